package servertest

import (
	"mime"
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/noncekit/noncekit/csp/csptest"
)

// Router is a server whose routes can be walked.
type Router interface {
	http.Handler
	Routes() chi.Routes
}

// AssertNonceCoverage requests every GET route of s (and the error pages)
// over http and https and checks each HTML response with csptest: every
// script, style and stylesheet carries the header's nonce, nothing a nonce
// cannot allow is present, and nonced responses are not cacheable. A route
// that answers 5xx fails too: a page that cannot render (a component naming
// a missing static file) is a page nobody checked. Build s with [Logger] to
// see why in the failure.
// exceptions lists, by route pattern, the elements a page has on purpose.
// It returns how many HTML responses it checked.
func AssertNonceCoverage(t *testing.T, s Router, exceptions map[string][]csptest.Option) int {
	t.Helper()
	html := 0
	for _, r := range Routes(t, s.Routes()) {
		if r.Method != http.MethodGet && !r.Fallback {
			continue
		}
		for _, scheme := range []string{"http", "https"} {
			resp := Serve(s, scheme, r)
			if resp.StatusCode >= 500 {
				t.Errorf("%s %s %s (%s) answered %d: the server's log says why", scheme, r.Method, r.Path, r.Pattern, resp.StatusCode)
			}
			mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			if mt == "text/html" {
				html++
				t.Run(scheme+" "+r.Method+" "+r.Pattern, func(t *testing.T) {
					csptest.AssertNonced(t, resp, exceptions[r.Pattern]...)
				})
			}
			_ = resp.Body.Close()
		}
	}
	return html
}
