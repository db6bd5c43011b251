package server

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/internal/testsupport/servertest"
)

// TestEveryGetRouteAnswersHead: RFC 9110 says a server that supports GET
// supports HEAD. Monitors and link checkers send HEAD / and HEAD /healthz;
// each GET route answers them with the GET's status and headers and no
// body, the live streams included (they must not hold a HEAD open).
func TestEveryGetRouteAnswersHead(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	for _, path := range []string{"/", "/healthz"} {
		resp := servertest.Serve(s, "http", servertest.Route{Method: http.MethodHead, Path: path})
		assert.Equal(t, http.StatusOK, resp.StatusCode, "HEAD %s", path)
	}
	n := servertest.AssertHeadMatchesGet(t, s)
	// Home, reports, sign-in, account, health, the APIs, the stream, a
	// static file and the not-found page.
	assert.GreaterOrEqual(t, n, 10, "too few GET routes were checked")
}
