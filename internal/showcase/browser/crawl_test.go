package browser_test

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/internal/showcase"
	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

// isDemo reports whether a page is one of the demos or the policy lab,
// whose violations are intentional and checked by the demo tests.
func isDemo(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	for _, prefix := range []string{"/demo", "/lab"} {
		if p.Path == prefix || strings.HasPrefix(p.Path, prefix+"/") {
			return true
		}
	}
	return false
}

// alwaysViolates are the demos whose panels are always blocked or reported:
// their console messages prove the console listener works.
var alwaysViolates = []string{"/demo", "/demo/report-only"}

// layoutAsset matches the files the layout and demo scripts load through
// the components. A demo may block many things on purpose, never these:
// that would mean a component lost its nonce, which a demo page would
// otherwise hide among its deliberate violations.
var layoutAsset = regexp.MustCompile(`/static/(css/app|js/site|js/vendor/htmx-[0-9.]+\.min|js/htmx-guard|showcase/css/showcase|showcase/js/demos|showcase/js/htmx-demo|showcase/js/learn-demo|showcase/js/lab|img/favicon)\.[0-9a-f]+\.`)

// demoGroups are the route groups whose pages violate on purpose.
var demoGroups = func() map[string]bool {
	m := map[string]bool{"demo": true, "demo-report-only": true}
	for _, d := range showcase.Catalogue {
		m[d.Slug] = true
	}
	return m
}()

// TestCrawlWithTheShowcase follows every same-origin link from / with the
// showcase mounted and checks that no page outside the demos raises a
// securitypolicyviolation or logs a console error. The demo pages, which
// violate on purpose, are opened and checked by the tests that judge their
// panels (assertDemoPageSound), not twice here.
func TestCrawlWithTheShowcase(t *testing.T) {
	t.Parallel()
	for _, scheme := range chromium.Schemes() {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			k := startKit(t, scheme)
			demos := 0
			skip := func(u string) bool {
				if isDemo(u) {
					demos++
					return true
				}
				return false
			}
			pages := chromium.Crawl(t, chromium.NewTab(t), k, k.URL+"/", skip, func(v chromium.Visit) {
				assert.Less(t, v.Status, int64(400), "%s answered %d", v.URL, v.Status)
				assert.Empty(t, v.Violations, "%s raised securitypolicyviolation events", v.URL)
				assert.Empty(t, v.CSP, "%s logged CSP violations", v.URL)
				assert.Empty(t, v.Errors, "%s logged console errors", v.URL)
			})
			assert.Greater(t, len(pages), 3, "the crawl found too few pages: %v", pages)
			assert.Positive(t, demos, "the crawl found no link to a demo")
			// report-uri delivers at once over http; a report from a
			// non-demo group would mean a violation the page missed.
			for _, r := range k.Reports.All() {
				assert.True(t, demoGroups[r.Group], "report from group %q: %s", r.Group, r.Body)
			}
		})
	}
}

// assertDemoPageSound checks a demo page the tab has open, whose panels are
// blocked or reported by design: none of the layout's own files was
// blocked (a component that lost its nonce would hide among the deliberate
// violations), nothing else logged an error (but htmx's own refusal of
// hx-on on the htmx demo), and on the pages that always violate, the
// browser logged the CSP messages (the console listener works). It reads
// the console since the tab's previous call.
func assertDemoPageSound(t *testing.T, tb *chromium.Tab, u string) {
	t.Helper()
	violations := chromium.RecordedViolations(t, tb)
	var errs, csp []chromium.ConsoleMsg
	for _, m := range tb.TakeConsole() {
		switch {
		case m.IsCSP():
			csp = append(csp, m)
		case m.Level == "error" && !isHTMXEvalRefusal(m):
			errs = append(errs, m)
		}
	}
	if p, _ := url.Parse(u); slices.Contains(alwaysViolates, p.Path) {
		assert.NotEmpty(t, csp, "%s: the browser logged no CSP message for the demo's panels", u)
	}
	for _, v := range violations {
		assert.False(t, layoutAsset.MatchString(v.Blocked), "%s: the layout's own %s was blocked by %s", u, v.Blocked, v.Directive)
	}
	assert.Empty(t, errs, "%s logged console errors", u)
}
