package server

import (
	"mime"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/internal/csp/csptest"
	"github.com/noncekit/noncekit/views/pages"
)

// demoExceptions are the demo pages' intentional problems, element by
// element: the un-nonced inline script and style the demo shows being
// blocked. Anything else without a nonce on those pages still fails.
var demoExceptions = []csptest.Option{
	csptest.Allow(csptest.All(csptest.Tag("script"), csptest.Inside("data-demo", pages.CaseInlineScript)),
		"the demo shows an injected, un-nonced inline script being blocked"),
	csptest.Allow(csptest.All(csptest.Tag("style"), csptest.Inside("data-demo", pages.CaseInlineStyle)),
		"the demo shows an un-nonced inline style being blocked"),
}

// exceptions lists, by route pattern, the problems a page has on purpose.
var exceptions = map[string][]csptest.Option{
	"/demo/":            demoExceptions,
	"/demo/report-only": demoExceptions,
}

// TestNonceCoverage requests every GET route of the router (and the error
// pages) and checks each HTML response with csptest: every script, style
// and stylesheet carries the header's nonce, nothing a nonce cannot allow
// is present, and nonced responses are not cacheable.
func TestNonceCoverage(t *testing.T) {
	s := newTestServer(t)
	html := 0
	for _, r := range allRoutes(t, s) {
		if r.Method != http.MethodGet && !r.Fallback {
			continue
		}
		for _, scheme := range []string{"http", "https"} {
			t.Run(scheme+" "+r.Method+" "+r.Pattern, func(t *testing.T) {
				resp := serve(s, scheme, r)
				defer resp.Body.Close()
				if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/html" {
					t.Skipf("not HTML: %s", resp.Header.Get("Content-Type"))
				}
				html++
				csptest.AssertNonced(t, resp, exceptions[r.Pattern]...)
			})
		}
	}
	// Home, both demos and the two error pages, over two schemes.
	assert.GreaterOrEqual(t, html, 10, "too few HTML pages were checked")
}
