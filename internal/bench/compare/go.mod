module github.com/noncekit/noncekit/internal/bench/compare

go 1.26.0

replace github.com/noncekit/noncekit => ../../..

require (
	github.com/a-h/templ v0.3.1100
	github.com/go-chi/chi/v5 v5.5.0
	github.com/noncekit/noncekit v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.12.1
	github.com/unrolled/secure v1.18.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
