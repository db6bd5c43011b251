package browser_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/showcase"
	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

// TestCatalogueOutcomes opens every catalogue page named in the showcase's
// table, one subtest per slug, and checks each panel ends as the entry's
// Expect says: the browser blocked what it must and ran the rest, and the
// page has exactly the panels the table declares.
//
// Over http only: a panel's outcome is what the browser did in the page,
// the same over either scheme (http://127.0.0.1 is a secure context too).
// What https changes is how reports travel (report-to): the pages whose
// outcome depends on reports are judged over both schemes by their own
// tests (TestLearnDemo, TestHTMXDemo, TestLiveDemo), and the dashboard's
// by TestReportReachesDashboard. A second pass over https cost four seconds
// of CPU, a tenth of the suite's, for nothing those do not prove.
func TestCatalogueOutcomes(t *testing.T) {
	t.Parallel()
	for _, scheme := range []string{"http"} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			k := startKit(t, scheme)
			tb := chromium.NewTab(t)
			for _, d := range showcase.Catalogue {
				t.Run(d.Slug, func(t *testing.T) {
					u := k.URL + d.Path()
					tb.Open(t, u)
					WaitDemoReady(t, tb, u)
					got := map[string]string{}
					for _, c := range DemoCases(t, tb) {
						assert.Equal(t, c.Expected, c.Outcome, "%s: case %s", u, c.Name)
						got[c.Name] = c.Outcome
					}
					assert.Equal(t, d.Expect, got, "%s: outcomes against the table", u)
					assertDemoPageSound(t, tb, u)
				})
			}
		})
	}
}

// TestLiveDemo checks the live demo and its report-only twin over both
// schemes, with one page load each: every panel ends as its data-expected
// says, and both ends of a blocked or reported inline script are there,
// the securitypolicyviolation event in the page and the report the browser
// sent to the kit's receiver, in the format each scheme uses (report-uri
// over http, report-to over https).
func TestLiveDemo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path        string
		group       string
		disposition string
	}{
		{"/demo", "demo", "enforce"},
		{"/demo/report-only", "demo-report-only", "report"},
	}
	wantType := map[string]string{"http": "application/csp-report", "https": "application/reports+json"}
	for _, tt := range tests {
		for _, scheme := range chromium.Schemes() {
			t.Run(scheme+tt.path, func(t *testing.T) {
				t.Parallel()
				k := startKit(t, scheme)
				tb := chromium.NewTab(t)
				u := k.URL + tt.path
				tb.Open(t, u)
				WaitDemoReady(t, tb, u)
				cases := DemoCases(t, tb)
				require.NotEmpty(t, cases, "%s has no [data-demo] case", u)
				for _, c := range cases {
					assert.NotEmpty(t, c.Expected, "%s: case %s has no data-expected", u, c.Name)
					assert.Equal(t, c.Expected, c.Outcome, "%s: case %s", u, c.Name)
				}
				assertDemoPageSound(t, tb, u)

				inPage := chromium.Eval[[]chromium.PageViolation](t, tb, `window.noncekitViolations`)
				assert.True(t, slices.ContainsFunc(inPage, func(v chromium.PageViolation) bool {
					return v.Directive == "script-src-elem" && v.Blocked == "inline" && v.Disposition == tt.disposition
				}), "no securitypolicyviolation for the inline script in the page; got %+v", inPage)

				isScriptReport := func(r chromium.Report) bool {
					vs, err := r.Violations()
					if err != nil || chromium.MediaType(r.ContentType) != wantType[scheme] || r.Group != tt.group {
						return false
					}
					for _, v := range vs {
						if v.Directive == "script-src-elem" && v.Blocked == "inline" && v.Disposition == tt.disposition &&
							v.DocumentURL == k.URL+tt.path {
							return true
						}
					}
					return false
				}
				r := k.Reports.WaitFor(t, wantType[scheme]+" report of the inline script", isScriptReport)
				assert.Equal(t, "POST", r.Method)
				t.Logf("report POST over %s: Content-Type %q, group=%s, Sec-Fetch-Site %q (all: %q), Origin %q",
					scheme, r.ContentType, r.Group, r.SecFetchSite, r.SecFetch, r.Origin)
			})
		}
	}
}
