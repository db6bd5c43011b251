package e2e_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/e2e"
)

// demoPages crawls from /demo and returns every same-origin page under
// /demo, so a demo page added later is covered without editing this test.
func demoPages(t *testing.T, tb *e2e.Tab, k *e2e.Kit) []string {
	t.Helper()
	start := k.URL + "/demo"
	seen := map[string]bool{start: true}
	queue, pages := []string{start}, []string(nil)
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		tb.Open(t, u)
		pages = append(pages, u)
		for _, l := range e2e.Links(t, tb) {
			l, ok := e2e.SameOrigin(k.URL, l)
			if !ok || seen[l] {
				continue
			}
			p, _ := url.Parse(l)
			if p.Path == "/demo" || strings.HasPrefix(p.Path, "/demo/") {
				seen[l] = true
				queue = append(queue, l)
			}
		}
	}
	return pages
}

// demoIndexes are the pages under /demo that list demos rather than run
// any: every other page found there must have cases.
var demoIndexes = []string{"/demo/catalogue"}

// TestDemoOutcomes checks that every panel of every demo page ends as it
// says it will: the browser blocked what has no nonce and ran the rest.
func TestDemoOutcomes(t *testing.T) {
	for _, scheme := range e2e.Schemes() {
		t.Run(scheme, func(t *testing.T) {
			k := startKit(t, scheme)
			tb := e2e.NewTab(t)
			pages := demoPages(t, tb, k)
			require.Contains(t, pages, k.URL+"/demo")
			require.Contains(t, pages, k.URL+"/demo/report-only")
			for _, u := range pages {
				tb.Open(t, u)
				if p, _ := url.Parse(u); slices.Contains(demoIndexes, p.Path) {
					continue
				}
				e2e.WaitDemoReady(t, tb, u)
				cases := e2e.DemoCases(t, tb)
				require.NotEmpty(t, cases, "%s has no [data-demo] case", u)
				for _, c := range cases {
					assert.NotEmpty(t, c.Expected, "%s: case %s has no data-expected", u, c.Name)
					assert.Equal(t, c.Expected, c.Outcome, "%s: case %s", u, c.Name)
				}
				t.Logf("%s: %d cases as expected", u, len(cases))
			}
		})
	}
}

// TestDemoViolationReported checks both ends of a blocked or reported
// inline script: the securitypolicyviolation event in the page, and the
// report the browser sent to the kit's receiver, in the format each scheme
// uses (report-uri over http, report-to over https).
func TestDemoViolationReported(t *testing.T) {
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
		for _, scheme := range e2e.Schemes() {
			t.Run(scheme+tt.path, func(t *testing.T) {
				k := startKit(t, scheme)
				tb := e2e.NewTab(t)
				tb.Open(t, k.URL+tt.path)
				e2e.WaitDemoReady(t, tb, k.URL+tt.path)

				inPage := e2e.Eval[[]e2e.PageViolation](t, tb, `window.noncekitViolations`)
				assert.True(t, slices.ContainsFunc(inPage, func(v e2e.PageViolation) bool {
					return v.Directive == "script-src-elem" && v.Blocked == "inline" && v.Disposition == tt.disposition
				}), "no securitypolicyviolation for the inline script in the page; got %+v", inPage)

				isScriptReport := func(r e2e.Report) bool {
					vs, err := r.Violations()
					if err != nil || e2e.MediaType(r.ContentType) != wantType[scheme] || r.Group != tt.group {
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
