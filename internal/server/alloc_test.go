//go:build !race

// Allocation counts are only meaningful without the race detector, which
// makes more values escape to the heap.

package server

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
)

// TestPolicyAllocationsPerRequest bounds what the site policy adds to a
// page, measured through the whole router: the policy is compiled once at
// start-up, so per request there is only the request carrying the nonce,
// the header string (the nonce is a substring of it) and the two non-empty
// nonce attributes templ renders. templ's render state is made when the page
// first renders, with or without a policy. Today that is 4; the budget
// leaves room for one more from a new Go or templ release, and fails on a
// cost that grows with the policy or the page.
func TestPolicyAllocationsPerRequest(t *testing.T) {
	s, err := New(slog.New(slog.DiscardHandler), config.Config{Addr: "localhost:0", BenchRoutes: true}, Options{})
	require.NoError(t, err)
	allocs := func(path string) float64 {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		w := &discard{h: http.Header{}}
		return testing.AllocsPerRun(200, func() {
			clear(w.h)
			s.ServeHTTP(w, req)
		})
	}
	const budget = 5
	plain, withCSP := allocs("/bench/plain"), allocs("/bench/csp")
	t.Logf("allocs per request: no policy %.0f, site policy %.0f (budget +%d)", plain, withCSP, budget)
	assert.LessOrEqual(t, withCSP-plain, float64(budget))
}
