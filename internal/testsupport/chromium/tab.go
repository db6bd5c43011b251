package chromium

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// tabTimeout bounds everything one tab does, so a hung page fails its test
// instead of the whole binary's -timeout.
const tabTimeout = 45 * time.Second

// Tab is one tab of the shared browser, for one test, with everything its
// pages logged and every securitypolicyviolation they raised.
type Tab struct {
	ctx     context.Context
	mu      sync.Mutex
	console []ConsoleMsg
}

// violationRecorder runs in every document before the page's own scripts,
// so it hears every securitypolicyviolation, on pages without demos.js too.
const violationRecorder = `
window.__e2eViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__e2eViolations.push({directive: e.effectiveDirective, blocked: e.blockedURI,
    disposition: e.disposition, source: e.sourceFile, line: e.lineNumber, sample: e.sample});
}, true);`

// NewTab opens a tab in the shared browser that Main started, with its own
// cookies and cache; the tab closes when the test ends. Everything the tab
// does must finish within 45 s. With -short it skips the test instead.
func NewTab(t *testing.T) *Tab {
	t.Helper()
	return NewTabWithin(t, tabTimeout)
}

// NewTabWithin is NewTab for a test whose page waits on slow work, such as
// a rebuild of the kit: everything the tab does must finish within d.
func NewTabWithin(t *testing.T, d time.Duration) *Tab {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the Chromium suite runs in `make test` and `make e2e`")
	}
	if browser == nil {
		t.Fatal("chromium.NewTab: no browser: the package's TestMain must call chromium.Main")
	}
	// A browser context of its own, like a fresh incognito window: tests
	// run in parallel, and cookies are per host, not per port, so two kits
	// on 127.0.0.1 would otherwise overwrite each other's session cookie.
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, d)
	t.Cleanup(cancelTimeout)
	tb := &Tab{ctx: ctx}
	// Listen sees an event before the reply to any later command, so once
	// an Evaluate returns, every message logged before it is recorded.
	require.NoError(t, chromedp.Listen(ctx, tb.onEvent))
	require.NoError(t, chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument,
			page.AddScriptToEvaluateOnNewDocumentParams{Source: violationRecorder})
		return err
	})))
	return tb
}

// Open navigates to u, waits for the load event and returns the response.
func (tb *Tab) Open(t *testing.T, u string) *network.Response {
	t.Helper()
	resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(u))
	require.NoError(t, err, "navigating to %s", u)
	require.NotNil(t, resp, "no response for %s", u)
	return resp
}

// Eval evaluates a JavaScript expression in the tab's page and decodes its
// value into T; a promise is awaited. An error fails the test.
func Eval[T any](t *testing.T, tb *Tab, expr string) T {
	t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	require.NoError(t, err, "evaluating %s", expr)
	return v
}

// EvalNoFail is Eval for polling: an error, such as a page mid-navigation
// whose execution context is gone, is returned, not fatal. Promises are not
// awaited.
func EvalNoFail[T any](tb *Tab, expr string) (T, error) {
	return chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
}

// WaitUntil evaluates the boolean expression expr every PollInterval until
// it is true, and fails the test with msgAndArgs when it is not within
// WaitTimeout. Errors count as false: right after a navigation the browser
// may briefly answer for an execution context that is gone.
func WaitUntil(t *testing.T, tb *Tab, expr string, msgAndArgs ...any) {
	t.Helper()
	require.Eventually(t, func() bool {
		v, err := EvalNoFail[bool](tb, expr)
		return err == nil && v
	}, WaitTimeout, PollInterval, msgAndArgs...)
}
