// Package compare benchmarks the kit's CSP middleware against
// github.com/unrolled/secure serving the same policy. It is a module of its
// own so that secure never enters the kit's go.mod; `make bench` runs it.
package compare
