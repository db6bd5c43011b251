package browser_test

import (
	"testing"

	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

// DemoCase is one [data-demo] element after the page's demo script has
// judged it.
type DemoCase struct {
	Name     string `json:"name"`     // data-demo
	Expected string `json:"expected"` // data-expected, "" when missing
	Outcome  string `json:"outcome"`  // data-outcome, "" when not judged
}

// WaitDemoReady waits until the demo script of the page at u has written
// every case's outcome (it sets data-demo-ready on <body>), and fails the
// test after WaitTimeout.
func WaitDemoReady(t *testing.T, tb *chromium.Tab, u string) {
	t.Helper()
	chromium.WaitUntil(t, tb, `document.body?.dataset.demoReady === "true"`,
		"%s: the demo script never set data-demo-ready", u)
}

// DemoCases returns every [data-demo] element of the tab's page, in
// document order. Call it after WaitDemoReady.
func DemoCases(t *testing.T, tb *chromium.Tab) []DemoCase {
	t.Helper()
	return chromium.Eval[[]DemoCase](t, tb, `Array.from(document.querySelectorAll("[data-demo]"), (e) =>
		({name: e.dataset.demo, expected: e.dataset.expected || "", outcome: e.dataset.outcome || ""}))`)
}
