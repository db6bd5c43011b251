//go:build !race

// Allocation counts are only meaningful without the race detector, which
// makes more values escape to the heap.

package csp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMiddlewareAllocations bounds what a nonced group adds to every
// request, whatever the handler renders: the request copy that carries the
// nonce (with the backing arrays of the header values), the header string
// (the nonce is a substring of it), and templ's render state holding the
// nonce (two objects, which a page rendering templ makes anyway). Today
// that is 4; the budget leaves room for one allocation more from a new Go
// or templ release, not for a per-directive or per-header cost.
func TestMiddlewareAllocations(t *testing.T) {
	m := newQuietManager()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	h := m.Middleware(Group{Name: "site", Enforce: strict})(ok)
	require.NoError(t, m.Err())
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	w := &discardWriter{h: http.Header{}}
	allocs := func(h http.Handler) float64 {
		return testing.AllocsPerRun(200, func() { clear(w.h); h.ServeHTTP(w, req) })
	}
	const budget = 5
	added := allocs(h) - allocs(ok)
	t.Logf("allocations the group adds per request: %.0f (budget %d)", added, budget)
	assert.LessOrEqual(t, added, float64(budget))
}

// TestNonceFromAllocations: components call NonceFrom once per nonced
// element, so reading the nonce of a nonced request must not allocate at
// all. The budget is zero on purpose: any allocation here is per element.
func TestNonceFromAllocations(t *testing.T) {
	m := newQuietManager()
	var ctx context.Context
	h := m.Middleware(Group{Name: "site", Enforce: strict})(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { ctx = r.Context() }))
	require.NoError(t, m.Err())
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	require.NotEmpty(t, NonceFrom(ctx))
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { _ = NonceFrom(ctx) }), 0.0)
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}
