package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/static"
)

// TestNoncedPagesAreNeverCached holds the csp middleware's promise through
// the real router: a nonced page has no validator a cache could revalidate
// with and says no-store, so no cache ever serves one nonce twice.
func TestNoncedPagesAreNeverCached(t *testing.T) {
	s, op := newOperatorServer(t)
	for _, path := range []string{"/", "/reports", "/account", "/missing"} {
		t.Run(path, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.AddCookie(op)
			req.Header.Set("Accept-Encoding", "gzip")
			req.Header.Set("If-None-Match", "*")
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			assert.NotEqual(t, http.StatusNotModified, rec.Code)
			assert.Empty(t, rec.Header().Values("ETag"))
			assert.Empty(t, rec.Header().Values("Last-Modified"))
			// A signed-in page also renews its cookie, for which scs adds
			// no-cache="Set-Cookie"; no-store still comes first and rules.
			cc := rec.Header().Values("Cache-Control")
			require.NotEmpty(t, cc)
			assert.Equal(t, "no-store", cc[0])
			for _, v := range cc[1:] {
				assert.Equal(t, `no-cache="Set-Cookie"`, v)
			}
		})
	}
}

// TestStaticThroughTheRouter checks that the static group's middleware
// leaves the asset handler's caching and encoding intact.
func TestStaticThroughTheRouter(t *testing.T) {
	s := newTestServer(t, Options{})
	req := httptest.NewRequest(http.MethodGet, static.Path("css/app.css"), nil)
	req.Header.Set("Accept-Encoding", "gzip, br")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "public, max-age=31536000, immutable", rec.Header().Get("Cache-Control"))
	assert.Equal(t, "gzip", rec.Header().Get("Content-Encoding"))
	assert.Equal(t, "Accept-Encoding", rec.Header().Get("Vary"))
	zr, err := gzip.NewReader(bytes.NewReader(rec.Body.Bytes()))
	require.NoError(t, err)
	css, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Contains(t, string(css), "{")

	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusNotModified, rec.Code)
}

// TestStaticTraversalThroughTheRouter sends escaping paths to the whole
// server, whatever chi makes of them: none may show a file of the module.
func TestStaticTraversalThroughTheRouter(t *testing.T) {
	s := newTestServer(t, Options{})
	for _, target := range []string{
		"/static/../go.mod",
		"/static/%2e%2e/go.mod",
		"/static/%2e%2e%2fgo.mod",
		"/static/..%5c..%5cgo.mod",
		"/static/..\\go.mod",
		"/static//go.mod",
		"/static/css/..//..//go.mod",
		"/static/%00",
		"/static/go.mod%00.css",
		"/static/../internal/server/routes.go",
	} {
		t.Run(target, func(t *testing.T) {
			rec := get(t, s, target)
			assert.Equal(t, http.StatusNotFound, rec.Code)
			assert.NotContains(t, rec.Body.String(), "module github.com")
			assert.NotContains(t, rec.Body.String(), "package server")
		})
	}
}
