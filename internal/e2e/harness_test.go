package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/server"
)

// reportPath is where the kit's policies send violation reports.
const reportPath = "/csp-report"

// waitTimeout bounds every wait on the browser or on a report. Reports
// arrive within ~0.2 s; the margin is for a loaded 2-core machine.
const waitTimeout = 10 * time.Second

// schemes lists the two ways the kit is served: report-uri only over http,
// report-to with Reporting-Endpoints over https.
var schemes = []string{"http", "https"}

// kit is the real router on an httptest server, with every report POST
// captured on its way to the kit's own receiver.
type kit struct {
	URL     string
	reports *capture
}

// startKit serves server.New over http or https for the length of the test.
func startKit(t *testing.T, scheme string) *kit {
	t.Helper()
	srv, err := server.New(slog.New(slog.DiscardHandler), config.Config{})
	require.NoError(t, err)
	c := newCapture()
	var ts *httptest.Server
	switch scheme {
	case "http":
		ts = httptest.NewServer(c.wrap(srv))
	case "https":
		ts = httptest.NewTLSServer(c.wrap(srv))
	default:
		t.Fatalf("unknown scheme %q", scheme)
	}
	t.Cleanup(ts.Close)
	return &kit{URL: ts.URL, reports: c}
}

// report is one POST to the report receiver, as the browser sent it.
type report struct {
	Method       string
	ContentType  string
	Group        string // the ?group= the policy put in its reporting URL
	SecFetchSite string // "" when the browser sent none
	SecFetch     string // every Sec-Fetch-* header, for the log
	Origin       string
	Body         []byte
}

// violation is the part of a report the tests compare, read from either
// format: report-uri's {"csp-report":{...}} or the Reporting API's array.
type violation struct {
	DocumentURL string
	Directive   string
	Blocked     string
	Disposition string
}

// violations decodes the report's body by its content type.
func (r report) violations() ([]violation, error) {
	switch mediaType(r.ContentType) {
	case "application/csp-report":
		var v struct {
			Report struct {
				DocumentURI        string `json:"document-uri"`
				EffectiveDirective string `json:"effective-directive"`
				BlockedURI         string `json:"blocked-uri"`
				Disposition        string `json:"disposition"`
			} `json:"csp-report"`
		}
		if err := json.Unmarshal(r.Body, &v); err != nil {
			return nil, err
		}
		c := v.Report
		return []violation{{c.DocumentURI, c.EffectiveDirective, c.BlockedURI, c.Disposition}}, nil
	case "application/reports+json":
		var list []struct {
			Type string `json:"type"`
			Body struct {
				DocumentURL        string `json:"documentURL"`
				EffectiveDirective string `json:"effectiveDirective"`
				BlockedURL         string `json:"blockedURL"`
				Disposition        string `json:"disposition"`
			} `json:"body"`
		}
		if err := json.Unmarshal(r.Body, &list); err != nil {
			return nil, err
		}
		var out []violation
		for _, e := range list {
			if e.Type == "csp-violation" {
				b := e.Body
				out = append(out, violation{b.DocumentURL, b.EffectiveDirective, b.BlockedURL, b.Disposition})
			}
		}
		return out, nil
	}
	return nil, nil
}

// capture records report POSTs and wakes waiters on each one. It stands in
// for the report receiver's own hooks until that package lands: the kit's
// handler still answers every request.
type capture struct {
	mu      sync.Mutex
	reports []report
	changed chan struct{} // closed and replaced on every new report
}

func newCapture() *capture { return &capture{changed: make(chan struct{})} }

func (c *capture) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == reportPath {
			body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			r.Body = io.NopCloser(bytes.NewReader(body))
			c.add(report{
				Method:       r.Method,
				ContentType:  r.Header.Get("Content-Type"),
				Group:        r.URL.Query().Get("group"),
				SecFetchSite: r.Header.Get("Sec-Fetch-Site"),
				SecFetch:     secFetch(r.Header),
				Origin:       r.Header.Get("Origin"),
				Body:         body,
			})
		}
		next.ServeHTTP(w, r)
	})
}

// secFetch lists the request's Sec-Fetch-* headers, sorted.
func secFetch(h http.Header) string {
	var out []string
	for k, v := range h {
		if strings.HasPrefix(k, "Sec-Fetch-") {
			out = append(out, k+"="+strings.Join(v, ","))
		}
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func (c *capture) add(r report) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reports = append(c.reports, r)
	close(c.changed)
	c.changed = make(chan struct{})
}

// all returns a copy of the reports received so far.
func (c *capture) all() []report {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]report(nil), c.reports...)
}

// waitFor returns the first report match accepts, waiting for it until
// waitTimeout; on timeout it fails the test and lists what did arrive.
func (c *capture) waitFor(t *testing.T, what string, match func(report) bool) report {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for _, r := range c.reports {
			if match(r) {
				c.mu.Unlock()
				return r
			}
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			var got []string
			for _, r := range c.all() {
				got = append(got, r.ContentType+" group="+r.Group+" "+string(r.Body))
			}
			t.Fatalf("no %s within %s; reports received:\n%s", what, waitTimeout, strings.Join(got, "\n"))
			return report{}
		}
	}
}

// tab is one browser tab with everything the page logged, for one test.
type tab struct {
	ctx     context.Context
	mu      sync.Mutex
	console []consoleMsg
}

// consoleMsg is a console API call, an uncaught exception or a browser log
// entry. Level is "error" for all three kinds of error.
type consoleMsg struct {
	Level string
	Text  string
}

func (m consoleMsg) String() string { return m.Level + ": " + m.Text }

// isCSP reports whether the browser logged the message for a CSP violation:
// an error when enforced, a warning when report-only.
func (m consoleMsg) isCSP() bool {
	// Trusted Types refusals ("requires 'TrustedHTML' assignment") come
	// from the same security source without naming the policy.
	return strings.Contains(m.Text, "Content Security Policy") || strings.HasPrefix(m.Text, "log security: ")
}

// violationRecorder runs in every document before the page's own scripts,
// so it hears every securitypolicyviolation, on pages without demos.js too.
const violationRecorder = `
window.__e2eViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__e2eViolations.push({directive: e.effectiveDirective, blocked: e.blockedURI,
    disposition: e.disposition, source: e.sourceFile, line: e.lineNumber});
}, true);`

// newTab opens a tab in the shared browser, closed when the test ends.
func newTab(t *testing.T) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 45*time.Second)
	t.Cleanup(cancelTimeout)
	tb := &tab{ctx: ctx}
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

func (tb *tab) onEvent(ev any) {
	var m consoleMsg
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range e.Args {
			if a.Description != "" {
				parts = append(parts, a.Description)
			} else {
				parts = append(parts, string(a.Value))
			}
		}
		m = consoleMsg{string(e.Type), "console." + string(e.Type) + ": " + strings.Join(parts, " ")}
		if e.Type == runtime.ConsoleAPICalledTypeAssert {
			m.Level = "error"
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		m = consoleMsg{"error", "exception: " + d.Text}
		if d.Exception != nil {
			m.Text += " " + d.Exception.Description
		}
	case *log.EventEntryAdded:
		m = consoleMsg{string(e.Entry.Level), "log " + string(e.Entry.Source) + ": " + e.Entry.Text + " (" + e.Entry.URL + ")"}
	default:
		return
	}
	tb.mu.Lock()
	tb.console = append(tb.console, m)
	tb.mu.Unlock()
}

// takeConsole returns what was logged since the last call and forgets it.
func (tb *tab) takeConsole() []consoleMsg {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	out := tb.console
	tb.console = nil
	return out
}

// open navigates to u, waits for the load event and returns the response.
func (tb *tab) open(t *testing.T, u string) *network.Response {
	t.Helper()
	resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(u))
	require.NoError(t, err, "navigating to %s", u)
	require.NotNil(t, resp, "no response for %s", u)
	return resp
}

// eval evaluates a JavaScript expression in the page and decodes its value.
// Promises are awaited.
func eval[T any](t *testing.T, tb *tab, expr string) T {
	t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	require.NoError(t, err, "evaluating %s", expr)
	return v
}

// pageViolation is one securitypolicyviolation event, as the page saw it.
type pageViolation struct {
	Directive   string `json:"directive"`
	Blocked     string `json:"blocked"`
	Disposition string `json:"disposition"`
	Source      string `json:"source"`
	Line        int    `json:"line"`
}

// recordedViolations returns what violationRecorder heard. It answers after
// one more task turn, so an event queued during the load is counted.
func recordedViolations(t *testing.T, tb *tab) []pageViolation {
	t.Helper()
	return eval[[]pageViolation](t, tb,
		`new Promise((resolve) => setTimeout(() => resolve(window.__e2eViolations || []), 0))`)
}

// header returns a response header by case-insensitive name: DevTools
// reports header names as the server wrote them.
func header(resp *network.Response, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// sameOrigin reports whether link is on base's origin, and returns it
// without its fragment.
func sameOrigin(base, link string) (string, bool) {
	b, err1 := url.Parse(base)
	u, err2 := url.Parse(link)
	if err1 != nil || err2 != nil || u.Scheme != b.Scheme || u.Host != b.Host {
		return "", false
	}
	u.Fragment = ""
	return u.String(), true
}

// links returns the href of every <a> in the page, resolved by the browser.
func links(t *testing.T, tb *tab) []string {
	t.Helper()
	return eval[[]string](t, tb, `Array.from(document.querySelectorAll("a[href]"), (a) => a.href)`)
}

// evalNoFail is eval for polling: an error (a page mid-navigation) is
// returned, not fatal.
func evalNoFail[T any](tb *tab, expr string) (T, error) {
	return chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
}
