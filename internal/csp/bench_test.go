package csp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/noncekit/noncekit/internal/csp"
	"github.com/noncekit/noncekit/views/components"
)

// sink is a ResponseWriter that keeps one header map and clears it per
// request, so both sides of a comparison pay the same for the writer and
// the difference is the middleware's own cost.
type sink struct{ h http.Header }

func (s *sink) Header() http.Header         { return s.h }
func (s *sink) Write(p []byte) (int, error) { return len(p), nil }
func (s *sink) WriteHeader(int)             {}

var sitePolicy = csp.New().
	Set(csp.DefaultSrc, csp.Self).
	Set(csp.ScriptSrc, csp.Nonce, csp.StrictDynamic).
	Set(csp.StyleSrc, csp.Self, csp.Nonce).
	Set(csp.ObjectSrc, csp.None).
	Set(csp.BaseURI, csp.None).
	Set(csp.FrameAncestors, csp.None).
	Set(csp.FormAction, csp.Self)

// BenchmarkMiddleware compares a chi router with and without the CSP
// middleware, in one run, for two handlers: one that writes a few bytes, and
// one that renders a generated templ component as every kit page does
// (templ makes its render state either way: with the middleware, its first
// lookup makes it with the nonce in it). Compare with benchstat, or read
// the deltas.
func BenchmarkMiddleware(b *testing.B) {
	handlers := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"handler=plain", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }},
		{"handler=templ", func(w http.ResponseWriter, r *http.Request) {
			_ = components.Script("js/site.js").Render(r.Context(), w)
		}},
	}
	for _, hc := range handlers {
		for _, withCSP := range []bool{false, true} {
			name := hc.name + "/router=bare-chi"
			r := chi.NewRouter()
			if withCSP {
				name = hc.name + "/router=chi+csp"
				m := csp.NewManager(nil)
				r.Use(m.Middleware(csp.Group{Name: "site", Enforce: sitePolicy}))
				if err := m.Err(); err != nil {
					b.Fatal(err)
				}
			}
			r.Get("/", hc.h)
			b.Run(name, func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				w := &sink{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					r.ServeHTTP(w, req)
				}
			})
		}
	}
}
