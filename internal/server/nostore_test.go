package server

import (
	"mime"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/internal/testsupport/servertest"
)

// TestAPIResponsesAreNotStored: every JSON or event-stream response, found
// by walking the routes, says Cache-Control: no-store, so no proxy or
// browser cache keeps reports or policies for the next user. The three
// report and policy routes must be among them.
func TestAPIResponsesAreNotStored(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	checked := map[string]bool{}
	for _, r := range servertest.Routes(t, s.Routes()) {
		if r.Method != http.MethodGet {
			continue
		}
		resp := servertest.Serve(s, "http", r)
		_ = resp.Body.Close()
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if mt != "application/json" && mt != "text/event-stream" {
			continue
		}
		checked[r.Pattern] = true
		assert.Equal(t, []string{"no-store"}, resp.Header.Values("Cache-Control"), "%s %s (%s)", r.Method, r.Pattern, mt)
	}
	for _, p := range []string{"/api/reports", "/api/policies", "/api/reports/stream"} {
		assert.True(t, checked[p], "%s was not checked as a JSON or stream response", p)
	}

	// An error answer of the API is not stored either: here, the 401 of a
	// request that is not signed in as an operator.
	rec := get(t, s, "/api/reports?group=%00")
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
}
