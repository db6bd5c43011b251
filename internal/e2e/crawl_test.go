package e2e_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/internal/e2e"
)

// TestCrawlIsClean follows every same-origin link from / and checks that no
// page of the skeleton raises a securitypolicyviolation or logs a console
// error. A page added to the nav is covered without editing this test.
func TestCrawlIsClean(t *testing.T) {
	t.Parallel()
	for _, scheme := range e2e.Schemes() {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			k := startKit(t, scheme)
			tb := e2e.NewTab(t)
			start := k.URL + "/"
			seen := map[string]bool{start: true}
			queue := []string{start}
			for len(queue) > 0 {
				u := queue[0]
				queue = queue[1:]
				resp := tb.Open(t, u)
				assert.Less(t, resp.Status, int64(400), "%s answered %d", u, resp.Status)
				violations := e2e.RecordedViolations(t, tb)
				var errs, csp []e2e.ConsoleMsg
				for _, m := range tb.TakeConsole() {
					switch {
					case m.IsCSP():
						csp = append(csp, m)
					case m.Level == "error":
						errs = append(errs, m)
					}
				}
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
			assert.GreaterOrEqual(t, len(seen), 3, "the crawl found too few pages: %v", seen)
			// report-uri delivers at once over http: any report would mean
			// a violation the page missed.
			for _, r := range k.Reports.All() {
				t.Errorf("report from group %q: %s", r.Group, r.Body)
			}
		})
	}
}
