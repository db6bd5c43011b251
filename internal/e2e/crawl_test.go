package e2e_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

// TestCrawlIsClean follows every same-origin link from / and checks that no
// page of the skeleton raises a securitypolicyviolation or logs a console
// error, and that every link answers.
func TestCrawlIsClean(t *testing.T) {
	t.Parallel()
	for _, scheme := range chromium.Schemes() {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			k := startKit(t, scheme)
			pages := chromium.Crawl(t, chromium.NewTab(t), k, k.URL+"/", nil, func(v chromium.Visit) {
				assert.Less(t, v.Status, int64(400), "%s answered %d", v.URL, v.Status)
				assert.Empty(t, v.Violations, "%s raised securitypolicyviolation events", v.URL)
				assert.Empty(t, v.CSP, "%s logged CSP violations", v.URL)
				assert.Empty(t, v.Errors, "%s logged console errors", v.URL)
			})
			assert.GreaterOrEqual(t, len(pages), 3, "the crawl found too few pages: %v", pages)
			// report-uri delivers at once over http: any report would mean
			// a violation the page missed.
			for _, r := range k.Reports.All() {
				t.Errorf("report from group %q: %s", r.Group, r.Body)
			}
		})
	}
}
