package server

import (
	"mime"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/internal/csp/csptest"
	"github.com/noncekit/noncekit/static"
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

// inPanel exempts the elements with tag inside the demo case named name.
func inPanel(tag, name, reason string) csptest.Option {
	return csptest.Allow(csptest.All(csptest.Tag(tag), csptest.Inside("data-demo", name)), reason)
}

// inProbe exempts the elements with tag inside the lab preview's probe name.
func inProbe(tag, name string) csptest.Option {
	return csptest.Allow(csptest.All(csptest.Tag(tag), csptest.Inside("data-probe", name)),
		"the lab preview probes whether the learner's policy lets this run")
}

// byURL exempts the site's own script files on a page whose script-src is
// 'self' alone: there the URL lets them load and their nonce plays no part.
func byURL(file string) csptest.Option {
	return csptest.Allow(csptest.All(csptest.Tag("script"), csptest.HasAttr("src", static.Path(file))),
		"script-src 'self' loads the site's own script files by URL, not by nonce")
}

// exceptions lists, by route pattern, the problems a page has on purpose.
// What the browser would allow (a listed hash, 'unsafe-hashes',
// style-src-attr) is not a problem, so only deliberately blocked elements
// are listed here.
var exceptions = map[string][]csptest.Option{
	"/demo/":                   demoExceptions,
	"/demo/report-only":        demoExceptions,
	"/demo/hashes":             {inPanel("script", "altered-script", "a script whose hash is not listed is blocked")},
	"/demo/inline-handler":     {inPanel("button", "onclick-attribute", "the demo shows onclick= being blocked")},
	"/demo/unsafe-hashes":      {inPanel("button", "other-handler", "a handler whose hash is not listed stays blocked")},
	"/demo/style-attr":         {inPanel("div", "style-attribute", "the demo shows style= being blocked")},
	"/demo/jsonp-allowlist":    {inPanel("script", "jsonp-injected", "the injected JSONP call that an allowlist lets run"), byURL("js/site.js"), byURL("js/demos.js")},
	"/demo/jsonp-strict":       {inPanel("script", "jsonp-injected", "the same injected call, blocked by the nonce policy")},
	"/demo/report-only-beside": {inPanel("script", "inline-script", "an un-nonced script the enforced policy blocks")},
	"/demo/strict-dynamic":     {inPanel("script", "parser-inserted", "a parser-inserted script without a nonce is blocked")},
	"/lab/preview": {
		inProbe("script", "inline-script"), inProbe("script", "external-script"),
		inProbe("style", "inline-style"), inProbe("div", "style-attr"), inProbe("button", "inline-handler"),
	},
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
