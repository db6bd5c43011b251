package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/devreload"
	"github.com/noncekit/noncekit/static"
)

// route is one method and pattern of the router, or one of its fallbacks.
type route struct {
	Method  string
	Pattern string
	Path    string // a concrete path that reaches the route
	// Fallback marks chi's NotFound and MethodNotAllowed pages, reached
	// by a path or method no route matches.
	Fallback bool
}

// examplePaths gives a concrete path for each pattern with a wildcard or a
// URL parameter. A new pattern of that kind fails the tests until it has
// one here, so no route goes unchecked silently.
var examplePaths = map[string]string{
	static.Prefix + "*": static.Path("css/app.css"),
}

// streams are the routes that answer with an event stream.
var streams = map[string]bool{"/api/reports/stream": true, devreload.Path: true}

// fallbacks are the responses no pattern names: chi's NotFound and
// MethodNotAllowed handlers, which render pages too.
var fallbacks = []route{
	{http.MethodGet, "(not found)", "/no-such-page", true},
	{http.MethodPost, "(method not allowed)", "/", true},
}

// allRoutes walks the router and returns every route with a concrete path,
// followed by the fallbacks.
func allRoutes(t *testing.T, s *Server) []route {
	t.Helper()
	var out []route
	err := chi.Walk(s.Routes(), func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		path := pattern
		if strings.ContainsAny(pattern, "*{") {
			var ok bool
			if path, ok = examplePaths[pattern]; !ok {
				t.Errorf("route %s %s: add a concrete example path for it to examplePaths in routes_test.go", method, pattern)
				return nil
			}
		}
		out = append(out, route{Method: method, Pattern: pattern, Path: path})
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, out)
	return append(out, fallbacks...)
}

// serve sends one request through the router in-process, over http or
// https (httptest.NewRequest sets r.TLS for an https URL).
func serve(s *Server, scheme string, r route) *http.Response {
	var body *strings.Reader
	if r.Method == http.MethodPost {
		body = strings.NewReader("{}")
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(r.Method, scheme+"://example.com"+r.Path, body)
	if streams[r.Pattern] {
		// A stream runs until its client leaves: this client has left
		// already, so the handler answers its headers and returns.
		ctx, cancel := context.WithCancel(req.Context())
		cancel()
		req = req.WithContext(ctx)
	}
	if r.Method == http.MethodPost {
		req.Header.Set("Content-Type", "application/csp-report")
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp
}
