//go:build !race

// Allocation counts are only meaningful without the race detector, which
// makes more values escape to the heap.

package forwarded

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAllocBudget: resolving runs on every request, so it stays cheap: a
// request from an untrusted peer costs nothing, a proxied one the request
// copy, its context value and the new address (Forwarded also its list of
// elements).
func TestAllocBudget(t *testing.T) {
	h := (&Resolver{Trusted: trusted}).Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, tt := range []struct {
		name, peer, header, value string
		budget                    float64
	}{
		{"untrusted peer", stranger, "X-Forwarded-For", "1.2.3.4", 0},
		{"X-Forwarded-For", proxy, "X-Forwarded-For", "1.2.3.4, 203.0.113.7, 10.0.0.5", 4},
		{"Forwarded", proxy, "Forwarded", "for=203.0.113.7;proto=https, for=10.0.0.5", 6},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = tt.peer
		req.Header.Set(tt.header, tt.value)
		req.Header.Set("X-Forwarded-Proto", "https")
		w := httptest.NewRecorder()
		allocs := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, req) })
		t.Logf("%s: %.0f allocations", tt.name, allocs)
		assert.LessOrEqual(t, allocs, tt.budget, tt.name)
	}
}
