module github.com/noncekit/noncekit/csp

go 1.26.0

require (
	github.com/a-h/templ v0.3.1100
	github.com/stretchr/testify v1.12.1
	golang.org/x/net v0.61.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
