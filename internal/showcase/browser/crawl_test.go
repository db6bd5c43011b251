package browser_test

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/internal/e2e"
	"github.com/noncekit/noncekit/internal/showcase"
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
var layoutAsset = regexp.MustCompile(`/static/(css/app|js/site|showcase/css/showcase|showcase/js/demos|showcase/js/lab|img/favicon)\.[0-9a-f]+\.`)

// demoGroups are the route groups whose pages violate on purpose.
var demoGroups = func() map[string]bool {
	m := map[string]bool{"demo": true, "demo-report-only": true}
	for _, d := range showcase.Catalogue {
		m[d.Slug] = true
	}
	return m
}()

// TestCrawlWithTheShowcase follows every same-origin link from / and checks
// that no page outside the demos raises a securitypolicyviolation or logs a
// console error. A page added to the nav is covered without editing this
// test. The demo pages, which violate on purpose, are opened and checked by
// the tests that judge their panels (assertDemoPageSound), not twice here.
func TestCrawlWithTheShowcase(t *testing.T) {
	t.Parallel()
	for _, scheme := range e2e.Schemes() {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			k := startKit(t, scheme)
			tb := e2e.NewTab(t)
			start := k.URL + "/"
			seen := map[string]bool{start: true}
			demos := 0
			queue := []string{start}
			for len(queue) > 0 {
				u := queue[0]
				queue = queue[1:]
				if isDemo(u) {
					demos++
					continue
				}
				resp := tb.Open(t, u)
				assert.Less(t, resp.Status, int64(400), "%s answered %d", u, resp.Status)
				violations := e2e.RecordedViolations(t, tb)
				errs, csp := splitConsole(tb)
				assert.Empty(t, violations, "%s raised securitypolicyviolation events", u)
				assert.Empty(t, csp, "%s logged CSP violations", u)
				assert.Empty(t, errs, "%s logged console errors", u)
				t.Logf("%s: %d violations, %d CSP messages, %d other console errors", u, len(violations), len(csp), len(errs))

				for _, l := range e2e.Links(t, tb) {
					if l, ok := e2e.SameOrigin(k.URL, l); ok && !seen[l] {
						seen[l] = true
						queue = append(queue, l)
					}
				}
			}
			assert.Greater(t, len(seen)-demos, 3, "the crawl found too few pages: %v", seen)
			assert.Positive(t, demos, "the crawl found no link to a demo")
			// report-uri delivers at once over http; a report from a
			// non-demo group would mean a violation the page missed.
			for _, r := range k.Reports.All() {
				assert.True(t, demoGroups[r.Group], "report from group %q: %s", r.Group, r.Body)
			}
		})
	}
}

// splitConsole takes what the tab logged since the last call: the CSP
// messages, and the other errors.
func splitConsole(tb *e2e.Tab) (errs, csp []e2e.ConsoleMsg) {
	for _, m := range tb.TakeConsole() {
		switch {
		case m.IsCSP():
			csp = append(csp, m)
		case m.Level == "error":
			errs = append(errs, m)
		}
	}
	return errs, csp
}

// assertDemoPageSound checks a demo page the tab has open, whose panels are
// blocked or reported by design: none of the layout's own files was
// blocked (a component that lost its nonce would hide among the deliberate
// violations), nothing else logged an error, and on the pages that always
// violate, the browser logged the CSP messages (the console listener
// works). It reads the console since the tab's previous call.
func assertDemoPageSound(t *testing.T, tb *e2e.Tab, u string) {
	t.Helper()
	violations := e2e.RecordedViolations(t, tb)
	errs, csp := splitConsole(tb)
	if p, _ := url.Parse(u); slices.Contains(alwaysViolates, p.Path) {
		assert.NotEmpty(t, csp, "%s: the browser logged no CSP message for the demo's panels", u)
	}
	for _, v := range violations {
		assert.False(t, layoutAsset.MatchString(v.Blocked), "%s: the layout's own %s was blocked by %s", u, v.Blocked, v.Directive)
	}
	assert.Empty(t, errs, "%s logged console errors", u)
}
