//go:build !race

// Allocation counts are only meaningful without the race detector, which
// makes more values escape to the heap.

package csp

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNonTemplHandlerAllocations: a handler that renders no templ pays only
// for the request carrying the nonce (with its context and header slices)
// and the header string.
// TestNonceFromAllocations: asking for a nonce that is not there must not
// make templ's render state (templ.GetNonce would, twice over).
func TestNonceFromAllocations(t *testing.T) {
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = NonceFrom(context.Background()) }))
}

func TestNonTemplHandlerAllocations(t *testing.T) {
	m := NewManager(slog.New(slog.DiscardHandler))
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	h := m.Middleware(Group{Name: "site", Enforce: strict})(ok)
	require.NoError(t, m.Err())
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	w := &discardWriter{h: http.Header{}}
	allocs := func(h http.Handler) float64 {
		return testing.AllocsPerRun(200, func() { clear(w.h); h.ServeHTTP(w, req) })
	}
	assert.Equal(t, 2.0, allocs(h)-allocs(ok))
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}
