// Package servertest walks a router's routes and checks what every route
// promises: each HTML page carries its response's nonce on every tag
// (AssertNonceCoverage), and each route's policy headers match a reviewed
// snapshot (AssertPolicySnapshot). The skeleton's tests and the showcase's
// run the same checks over their own routes: a route is covered the moment
// it is registered, without a second list to keep in sync.
package servertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/static"
)

// Route is one method and pattern of the router, or one of its fallbacks.
type Route struct {
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
var streams = map[string]bool{"/api/reports/stream": true}

// fallbacks are the responses no pattern names: chi's NotFound and
// MethodNotAllowed handlers, which render pages too.
var fallbacks = []Route{
	{http.MethodGet, "(not found)", "/no-such-page", true},
	{http.MethodPost, "(method not allowed)", "/", true},
}

// Routes walks the router and returns every route with a concrete path,
// followed by the fallbacks.
func Routes(t testing.TB, routes chi.Routes) []Route {
	t.Helper()
	var out []Route
	err := chi.Walk(routes, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		path := pattern
		if strings.ContainsAny(pattern, "*{") {
			var ok bool
			if path, ok = examplePaths[pattern]; !ok {
				t.Errorf("route %s %s: add a concrete example path for it to examplePaths in internal/server/servertest", method, pattern)
				return nil
			}
		}
		out = append(out, Route{Method: method, Pattern: pattern, Path: path})
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, out)
	return append(out, fallbacks...)
}

// Serve sends one request through h in-process, over http or https
// (httptest.NewRequest sets r.TLS for an https URL).
func Serve(h http.Handler, scheme string, r Route) *http.Response {
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
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp
}
