package showcase_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/server"
	"github.com/noncekit/noncekit/internal/testsupport/servertest"
)

// newTestServer is the kit as `make run` serves it in development: the
// skeleton with the showcase mounted. Its warnings and errors go to the
// test's log, shown when the test fails.
func newTestServer(t *testing.T) *server.Server {
	t.Helper()
	s, err := server.New(servertest.Logger(t), config.Config{Addr: "localhost:0", Showcase: true}, server.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

var headerNonceRE = regexp.MustCompile(`'nonce-([A-Za-z0-9+/=_-]+)'`)
