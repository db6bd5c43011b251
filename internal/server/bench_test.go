package server

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/testsupport/bench/wire"
)

// discard is a ResponseWriter that keeps one header map and clears it per
// request, so a benchmark measures the server rather than a recorder's
// buffer growth.
type discard struct {
	h    http.Header
	code int
	n    int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }
func (d *discard) WriteHeader(code int)        { d.code = code }

func benchServer(b *testing.B) *Server {
	b.Helper()
	s, err := New(slog.New(slog.DiscardHandler), config.Config{Addr: "localhost:0", BenchRoutes: true}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkPages renders pages end to end through the whole router: request
// ID, access log (discarded), recoverer, the group's CSP middleware, the
// handler and templ. route=bench-plain and route=bench-csp are the same home
// page without and with the site policy, the pair `make load` drives too.
func BenchmarkPages(b *testing.B) {
	s := benchServer(b)
	for _, p := range []struct{ name, path string }{
		{"page=home", "/"},
		{"page=not-found", "/missing"},
		{"route=bench-plain", "/bench/plain"},
		{"route=bench-csp", "/bench/csp"},
	} {
		b.Run(p.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, p.path, nil)
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.n = 0
				s.ServeHTTP(w, req)
			}
			b.SetBytes(int64(w.n))
		})
	}
}

// BenchmarkPagesOverHTTP serves the same pages through net/http's own
// server (package wire): what BenchmarkPages measures, plus the header
// clone, sort and write net/http does for every response. The difference
// between route=bench-csp and route=bench-plain here is the policy's whole
// cost to the server, the figure `make load` sees diluted by the kernel
// and the load generator.
func BenchmarkPagesOverHTTP(b *testing.B) {
	s := benchServer(b)
	for _, p := range []struct{ name, path string }{
		{"route=bench-plain", "/bench/plain"},
		{"route=bench-csp", "/bench/csp"},
		{"route=bench-cached", "/bench/cached"},
	} {
		b.Run(p.name, func(b *testing.B) { wire.Bench(b, s, p.path) })
	}
	// A cache revalidating the cacheable page: the page is rendered and
	// hashed again, and only the 304 goes back.
	first := get(b, s, "/bench/cached")
	etag := first.Header().Get("Etag")
	if first.Code != http.StatusOK || etag == "" {
		b.Fatalf("GET /bench/cached: %d, ETag %q", first.Code, etag)
	}
	b.Run("route=bench-cached-304", func(b *testing.B) { wire.BenchNotModified(b, s, "/bench/cached", etag) })
}

func TestBenchRoutesOnlyWhenAsked(t *testing.T) {
	off := newTestServer(t, Options{})
	on, err := New(slog.New(slog.DiscardHandler), config.Config{Addr: "localhost:0", BenchRoutes: true}, Options{})
	require.NoError(t, err)
	for _, path := range []string{"/bench/plain", "/bench/csp"} {
		assert.Equal(t, http.StatusNotFound, get(t, off, path).Code, path)
	}
	plain, withCSP := get(t, on, "/bench/plain"), get(t, on, "/bench/csp")
	require.Equal(t, http.StatusOK, plain.Code)
	require.Equal(t, http.StatusOK, withCSP.Code)
	assert.Empty(t, plain.Header().Get(csp.HeaderCSP), "the baseline has no policy")
	assert.NotEmpty(t, withCSP.Header().Get(csp.HeaderCSP))
	// The same page: only the nonce attributes differ in length.
	assert.InDelta(t, withCSP.Body.Len(), plain.Body.Len(), 400)
}
