package e2e

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoCase is one [data-demo] panel after demos.js has judged it.
type demoCase struct {
	Name     string `json:"name"`
	Expected string `json:"expected"`
	Outcome  string `json:"outcome"`
}

// waitDemoReady waits until the page's demo script has written every
// case's outcome. It polls with evalNoFail: right after a navigation the
// browser may briefly answer for an execution context that is gone.
func waitDemoReady(t *testing.T, tb *tab, u string) {
	t.Helper()
	require.Eventually(t, func() bool {
		ready, err := evalNoFail[bool](tb, `document.body?.dataset.demoReady === "true"`)
		return err == nil && ready
	}, waitTimeout, 20*time.Millisecond, "%s: the demo script never set data-demo-ready", u)
}

// demoPages crawls from /demo and returns every same-origin page under
// /demo, so a demo page added later is covered without editing this test.
func demoPages(t *testing.T, tb *tab, k *kit) []string {
	t.Helper()
	start := k.URL + "/demo"
	seen := map[string]bool{start: true}
	queue, pages := []string{start}, []string(nil)
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		tb.open(t, u)
		pages = append(pages, u)
		for _, l := range links(t, tb) {
			l, ok := sameOrigin(k.URL, l)
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
	for _, scheme := range schemes {
		t.Run(scheme, func(t *testing.T) {
			k := startKit(t, scheme)
			tb := newTab(t)
			pages := demoPages(t, tb, k)
			require.Contains(t, pages, k.URL+"/demo")
			require.Contains(t, pages, k.URL+"/demo/report-only")
			for _, u := range pages {
				tb.open(t, u)
				if p, _ := url.Parse(u); slices.Contains(demoIndexes, p.Path) {
					continue
				}
				waitDemoReady(t, tb, u)
				cases := eval[[]demoCase](t, tb, `Array.from(document.querySelectorAll("[data-demo]"), (e) =>
					({name: e.dataset.demo, expected: e.dataset.expected || "", outcome: e.dataset.outcome || ""}))`)
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
		for _, scheme := range schemes {
			t.Run(scheme+tt.path, func(t *testing.T) {
				k := startKit(t, scheme)
				tb := newTab(t)
				tb.open(t, k.URL+tt.path)
				waitDemoReady(t, tb, k.URL+tt.path)

				inPage := eval[[]pageViolation](t, tb, `window.noncekitViolations`)
				assert.True(t, slices.ContainsFunc(inPage, func(v pageViolation) bool {
					return v.Directive == "script-src-elem" && v.Blocked == "inline" && v.Disposition == tt.disposition
				}), "no securitypolicyviolation for the inline script in the page; got %+v", inPage)

				isScriptReport := func(r report) bool {
					vs, err := r.violations()
					if err != nil || mediaType(r.ContentType) != wantType[scheme] || r.Group != tt.group {
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
				r := k.reports.waitFor(t, wantType[scheme]+" report of the inline script", isScriptReport)
				assert.Equal(t, "POST", r.Method)
				t.Logf("report POST over %s: Content-Type %q, group=%s, Sec-Fetch-Site %q (all: %q), Origin %q",
					scheme, r.ContentType, r.Group, r.SecFetchSite, r.SecFetch, r.Origin)
			})
		}
	}
}

func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.TrimSpace(strings.ToLower(mt))
}
