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
var layoutAsset = regexp.MustCompile(`/static/(css/app|js/site|js/vendor/htmx-[0-9.]+\.min|js/htmx-guard|showcase/js/demos|showcase/js/htmx-demo|showcase/js/learn-demo|showcase/js/lab|img/favicon)\.[0-9a-f]+\.`)

// demoGroups are the route groups whose pages violate on purpose.
var demoGroups = func() map[string]bool {
	m := map[string]bool{"demo": true, "demo-report-only": true}
	for _, d := range showcase.Catalogue {
		m[d.Slug] = true
	}
	return m
}()

// TestCrawlWithTheShowcase follows every same-origin link from / with the
// showcase mounted: pages outside the demos are clean; the demos violate
// on purpose, but never by blocking the layout's own assets.
func TestCrawlWithTheShowcase(t *testing.T) {
	for _, scheme := range e2e.Schemes() {
		t.Run(scheme, func(t *testing.T) {
			k := startKit(t, scheme)
			pages := e2e.Crawl(t, e2e.NewTab(t), k, k.URL+"/", func(v e2e.Visit) {
				assert.Less(t, v.Status, int64(400), "%s answered %d", v.URL, v.Status)
				if isDemo(v.URL) {
					// The demos' panels are blocked or reported by design.
					if p, _ := url.Parse(v.URL); slices.Contains(alwaysViolates, p.Path) {
						assert.NotEmpty(t, v.CSP, "%s: the browser logged no CSP message for the demo's panels", v.URL)
					}
					for _, pv := range v.Violations {
						assert.False(t, layoutAsset.MatchString(pv.Blocked), "%s: the layout's own %s was blocked by %s", v.URL, pv.Blocked, pv.Directive)
					}
				} else {
					assert.Empty(t, v.Violations, "%s raised securitypolicyviolation events", v.URL)
					assert.Empty(t, v.CSP, "%s logged CSP violations", v.URL)
				}
				errs := v.Errors
				if strings.HasPrefix(v.URL, k.URL+htmxDemo.Path()) {
					// The htmx demo's hx-on panel: htmx logs its refusal.
					errs = slices.DeleteFunc(slices.Clone(errs), isHTMXEvalRefusal)
				}
				assert.Empty(t, errs, "%s logged console errors", v.URL)
			})
			assert.Greater(t, len(pages), 5, "the crawl found too few pages: %v", pages)
			// report-uri delivers at once over http; a report from a
			// non-demo group would mean a violation the page missed.
			for _, r := range k.Reports.All() {
				assert.True(t, demoGroups[r.Group], "report from group %q: %s", r.Group, r.Body)
			}
		})
	}
}
