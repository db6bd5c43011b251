package chromium

import "testing"

// Visit is what one page of a crawl did in the browser.
type Visit struct {
	URL        string
	Status     int64
	Violations []PageViolation // securitypolicyviolation events the page raised
	CSP        []ConsoleMsg    // console messages about Content Security Policy
	Errors     []ConsoleMsg    // every other console error
}

// Crawl opens start, then every same-origin page linked from a page it
// opened, breadth first, each once, and hands what each page did to check.
// A page skip answers true for is not opened (skip may be nil). It returns
// the pages it visited. A page added to the navigation is crawled without
// editing the test that calls it.
func Crawl(t *testing.T, tb *Tab, k *Kit, start string, skip func(url string) bool, check func(Visit)) []string {
	t.Helper()
	seen := map[string]bool{start: true}
	queue, visited := []string{start}, []string(nil)
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if skip != nil && skip(u) {
			continue
		}
		resp := tb.Open(t, u)
		v := Visit{URL: u, Status: resp.Status, Violations: RecordedViolations(t, tb)}
		for _, m := range tb.TakeConsole() {
			switch {
			case m.IsCSP():
				v.CSP = append(v.CSP, m)
			case m.Level == "error":
				v.Errors = append(v.Errors, m)
			}
		}
		check(v)
		visited = append(visited, u)
		t.Logf("%s: %d violations, %d CSP messages, %d other console errors", u, len(v.Violations), len(v.CSP), len(v.Errors))
		for _, l := range Links(t, tb) {
			if l, ok := SameOrigin(k.URL, l); ok && !seen[l] {
				seen[l] = true
				queue = append(queue, l)
			}
		}
	}
	return visited
}
