package browser_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/showcase"
	"github.com/noncekit/noncekit/internal/testsupport/chromium"
	"github.com/noncekit/noncekit/views/components"
)

// htmxDemo is /demo/htmx's catalogue entry.
var htmxDemo = func() showcase.Demo {
	for _, d := range showcase.Catalogue {
		if d.Slug == "htmx" {
			return d
		}
	}
	panic("no htmx entry in the catalogue")
}()

// click clicks the first element sel matches, from a task of the page's
// own. Code compiled while DevTools evaluates an expression is exempt from
// the policy's eval check (measured: an hx-on handler clicked inside
// Runtime.evaluate ran without 'unsafe-eval'), so a click made inside the
// evaluation would prove nothing about eval.
func click(t *testing.T, tb *chromium.Tab, sel string) {
	t.Helper()
	ok := chromium.Eval[bool](t, tb, `(() => { const el = document.querySelector(`+strconv.Quote(sel)+`);
		if (!el) return false; setTimeout(() => el.click()); return true; })()`)
	require.True(t, ok, "no element matches %s", sel)
}

func panelSel(name string) string { return `[data-demo="` + name + `"]` }

// assertHTMXOutcomes: every panel ends as the catalogue entry says, and
// the page raised no securitypolicyviolation at all: htmx, configured for
// the policy, never attempts what the policy refuses.
func assertHTMXOutcomes(t *testing.T, tb *chromium.Tab, when string) {
	t.Helper()
	got := map[string]string{}
	for _, c := range DemoCases(t, tb) {
		got[c.Name] = c.Outcome
	}
	assert.Equal(t, htmxDemo.Expect, got, "%s: outcomes", when)
	assert.Empty(t, chromium.RecordedViolations(t, tb), "%s: violations", when)
	assertHTMXConsole(t, tb, when)
}

// assertHTMXConsole: nothing logged but htmx's refusal of hx-on.
func assertHTMXConsole(t *testing.T, tb *chromium.Tab, when string) {
	t.Helper()
	for _, m := range tb.TakeConsole() {
		if m.Level == "error" || m.IsCSP() {
			assert.True(t, isHTMXEvalRefusal(m), "%s: console: %s", when, m)
		}
	}
}

// isHTMXEvalRefusal is the error htmx logs when it refuses to compile an
// hx-on attribute (allowEval: false): the refusal the demo shows.
func isHTMXEvalRefusal(m chromium.ConsoleMsg) bool {
	return m.Level == "error" && m.Text == `console.error: "htmx:evalDisallowedError"`
}

// driveHTMXCases clicks through every panel again, as a visitor would, and
// checks what each click did.
func driveHTMXCases(t *testing.T, tb *chromium.Tab) {
	t.Helper()
	// A partial swap, its indicator hidden by app.css's rule once done.
	chromium.Eval[bool](t, tb, `(document.querySelector('`+panelSel("partial-swap")+` .swap-target').replaceChildren(), true)`)
	click(t, tb, panelSel("partial-swap")+" button")
	chromium.WaitUntil(t, tb, `!!document.querySelector('`+panelSel("partial-swap")+` .swap-target [data-swapped]')`, "the partial swap")
	chromium.WaitUntil(t, tb, `(() => { const s = getComputedStyle(document.querySelector('`+panelSel("partial-swap")+` .htmx-indicator'));
		return s.opacity === "0" && s.visibility === "hidden"; })()`, "the indicator is hidden at rest by app.css")

	// The injected comment arrives; none of its three scripts does.
	chromium.Eval[bool](t, tb, `(() => { const p = document.querySelector('`+panelSel("injected-script")+`');
		p.querySelector(".swap-target").replaceChildren(); return true; })()`)
	click(t, tb, panelSel("injected-script")+" button")
	chromium.WaitUntil(t, tb, `!!document.querySelector('`+panelSel("injected-script")+` [data-fragment-arrived]')`, "the injected fragment")
	state := chromium.Eval[map[string]any](t, tb, `(() => { const p = document.querySelector('`+panelSel("injected-script")+`');
		return {scripts: p.querySelectorAll("script").length, marks: Object.keys(p.dataset).filter((k) => k.startsWith("ran")).join()}; })()`)
	assert.Equal(t, map[string]any{"scripts": float64(0), "marks": ""}, state, "htmx inserted no script, so none ran")

	// hx-on: refused by htmx itself, once per click; the handler never runs.
	before := chromium.Eval[string](t, tb, `document.querySelector('`+panelSel("hx-on")+`').dataset.htmxRefusals ?? "0"`)
	click(t, tb, panelSel("hx-on")+" button")
	n, err := strconv.Atoi(before)
	require.NoError(t, err)
	chromium.WaitUntil(t, tb, `document.querySelector('`+panelSel("hx-on")+`').dataset.htmxRefusals === "`+strconv.Itoa(n+1)+`"`, "htmx:evalDisallowedError")
	assert.Equal(t, "", chromium.Eval[string](t, tb, `document.querySelector('`+panelSel("hx-on")+`').dataset.ran ?? ""`))

	// The same behaviour by delegation runs.
	chromium.Eval[bool](t, tb, `(delete document.querySelector('`+panelSel("delegated")+`').dataset.ran, true)`)
	click(t, tb, panelSel("delegated")+" button")
	chromium.WaitUntil(t, tb, `document.querySelector('`+panelSel("delegated")+`').dataset.ran === "true"`, "the delegated handler")

	// The form's POST, and PUT and DELETE from the page through htmx.ajax:
	// all same-origin, all through the router's cross-origin protection.
	target := panelSel("form-post") + " .swap-target"
	chromium.Eval[bool](t, tb, `(() => { document.querySelector('`+panelSel("form-post")+` input').value = "Grace";
		const f = document.querySelector('`+panelSel("form-post")+` form'); setTimeout(() => f.requestSubmit()); return true; })()`)
	chromium.WaitUntil(t, tb, `document.querySelector('`+target+`').textContent.includes('Received "Grace" by POST')`, "the form's POST")
	for _, method := range []string{"PUT", "DELETE"} {
		chromium.Eval[bool](t, tb, `(htmx.ajax("`+method+`", "/demo/htmx/form", {target: '`+target+`', values: {name: "Lin"}}), true)`)
		chromium.WaitUntil(t, tb, `document.querySelector('`+target+`').textContent.includes('Received "Lin" by `+method+`')`, "htmx %s", method)
	}
	assertHTMXConsole(t, tb, "driving the cases")
}

// headAssets lists what the page loads and applies, as the DOM holds it:
// scripts, styles and stylesheets, with their nonce as the page sees it.
type headAsset struct {
	Tag    string `json:"tag"`
	URL    string `json:"url"`
	Nonce  string `json:"nonce"`
	InHead bool   `json:"inHead"`
}

const assetsJS = `Array.from(document.querySelectorAll('script, style, link[rel~="stylesheet"]'), (e) =>
	({tag: e.tagName.toLowerCase(), url: e.src || e.href || e.textContent, nonce: e.nonce, inHead: e.parentElement === document.head}))`

var headerNonce = regexp.MustCompile(`'nonce-([^']+)'`)

// TestHTMXDemo drives /demo/htmx in Chromium: every case has its expected
// outcome with no violation, before and after a boosted navigation; the
// boosted page has exactly the scripts and styles a full load of it has,
// all carrying the document's nonce; and a boosted link to another group's
// page is loaded in full instead.
func TestHTMXDemo(t *testing.T) {
	t.Parallel()
	for _, scheme := range chromium.Schemes() {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			k := startKit(t, scheme)
			tb := chromium.NewTab(t)
			u := k.URL + htmxDemo.Path()
			m := headerNonce.FindStringSubmatch(chromium.Header(tb.Open(t, u), "Content-Security-Policy"))
			require.NotNil(t, m)
			nonce := m[1]
			WaitDemoReady(t, tb, u)
			assertHTMXOutcomes(t, tb, "after load")

			cfg := chromium.Eval[map[string]any](t, tb, `({version: htmx.version, eval: htmx.config.allowEval, scripts: htmx.config.allowScriptTags,
				indicator: htmx.config.includeIndicatorStyles, scriptNonce: htmx.config.inlineScriptNonce, styles: document.querySelectorAll("style").length})`)
			assert.Equal(t, map[string]any{"version": components.HTMXVersion, "eval": false, "scripts": false, "indicator": false, "scriptNonce": "", "styles": float64(0)}, cfg,
				"htmx runs with the kit's configuration and has injected no <style>")
			driveHTMXCases(t, tb)
			assert.Empty(t, chromium.RecordedViolations(t, tb), "driving the cases")

			// A boosted navigation: the same document takes the next page's body.
			chromium.Eval[bool](t, tb, `window.__beforeBoost = true`)
			click(t, tb, panelSel("boosted-link")+" a")
			chromium.WaitUntil(t, tb, `window.noncekitBoosts === 1 && location.search === "?via=boost" && document.body.dataset.demoReady === "true"`,
				"the boosted swap and the panels judged again")
			assert.True(t, chromium.Eval[bool](t, tb, `window.__beforeBoost === true`), "the same document: a boosted swap, not a load")
			assertHTMXOutcomes(t, tb, "after a boosted navigation")
			assert.Contains(t, chromium.Eval[string](t, tb, `document.querySelector('[data-boost-count]').textContent`), "1 boosted swap")

			// The boosted page has what a full load of it has, and every
			// script and style in it carries this document's nonce.
			boosted := chromium.Eval[[]headAsset](t, tb, assetsJS)
			full := chromium.NewTab(t)
			full.Open(t, k.URL+"/demo/htmx?via=boost")
			WaitDemoReady(t, full, "the full load")
			loaded := chromium.Eval[[]headAsset](t, full, assetsJS)
			urls := func(as []headAsset) []string {
				var out []string
				for _, a := range as {
					out = append(out, a.Tag+" "+a.URL)
				}
				return out
			}
			assert.Equal(t, urls(loaded), urls(boosted), "the boosted page's scripts and styles are the full load's")
			require.NotEmpty(t, boosted)
			for _, a := range boosted {
				assert.Equal(t, nonce, a.Nonce, "%s %s: not this document's nonce", a.Tag, a.URL)
				assert.True(t, a.InHead, "%s %s: outside <head>", a.Tag, a.URL)
			}

			driveHTMXCases(t, tb)
			assert.Empty(t, chromium.RecordedViolations(t, tb), "driving the cases after the boost")
			// site.js, which ran once, still drives the new body's toggle.
			theme := chromium.Eval[string](t, tb, `document.documentElement.dataset.theme ?? ""`)
			click(t, tb, "[data-theme-toggle]")
			chromium.WaitUntil(t, tb, `(document.documentElement.dataset.theme ?? "") !== `+strconv.Quote(theme), "the theme toggle after the boost")

			// A boosted link to another group's page: the guard cancels the
			// swap and the browser loads the page, under its own policy.
			click(t, tb, panelSel("boost-refused")+" a")
			chromium.WaitUntil(t, tb, `window.__beforeBoost === undefined && location.pathname === "/demo/eval" && document.body?.dataset.demoReady === "true"`,
				"a full load of /demo/eval")
			var guard []string
			for _, m := range tb.TakeConsole() {
				if strings.Contains(m.Text, "htmx-guard:") {
					guard = append(guard, m.Text)
				}
			}
			assert.NotEmpty(t, guard, "the guard said why it did not swap")
			for _, g := range guard {
				assert.Contains(t, g, "its policy is not this page's")
			}
		})
	}
}

// TestHTMXBackReloads: back from a boosted page reloads the previous page
// in full (htmx keeps no copy of it), where every case holds again.
func TestHTMXBackReloads(t *testing.T) {
	t.Parallel()
	k := startKit(t, "http")
	tb := chromium.NewTab(t)
	u := k.URL + htmxDemo.Path()
	tb.Open(t, u)
	WaitDemoReady(t, tb, u)
	chromium.Eval[bool](t, tb, `window.__first = true`)
	click(t, tb, panelSel("boosted-link")+" a")
	chromium.WaitUntil(t, tb, `window.noncekitBoosts === 1 && document.body.dataset.demoReady === "true"`, "the boosted swap")
	chromium.Eval[bool](t, tb, `(setTimeout(() => history.back()), true)`)
	chromium.WaitUntil(t, tb, `window.__first === undefined && location.search === "" && document.body?.dataset.demoReady === "true"`, "a full reload of /demo/htmx")
	assertHTMXOutcomes(t, tb, "after back")
	assert.Equal(t, 0, chromium.Eval[int](t, tb, `window.noncekitBoosts`))
}

// TestHTMXDefaultsWouldRunInjectedScripts is why the kit sets
// allowScriptTags: false. With htmx's default, the injected comment's three
// scripts all run under the strict policy: htmx re-creates each with
// document.createElement, and 'strict-dynamic' trusts scripts that a
// trusted script creates, whatever their nonce. No violation is raised.
func TestHTMXDefaultsWouldRunInjectedScripts(t *testing.T) {
	t.Parallel()
	k := startKit(t, "http")
	tb := chromium.NewTab(t)
	u := k.URL + htmxDemo.Path()
	tb.Open(t, u)
	WaitDemoReady(t, tb, u)
	chromium.Eval[bool](t, tb, `(() => { htmx.config.allowScriptTags = true;
		document.querySelector('`+panelSel("injected-script")+` .swap-target').replaceChildren(); return true; })()`)
	click(t, tb, panelSel("injected-script")+" button")
	p := `document.querySelector('` + panelSel("injected-script") + `').dataset`
	chromium.WaitUntil(t, tb, p+`.ranInline === "true"`, "the un-nonced inline script ran")
	chromium.WaitUntil(t, tb, p+`.ranNonced === "true"`, "the script with the fragment response's nonce ran")
	chromium.WaitUntil(t, tb, p+`.ran === "true"`, "the un-nonced external script ran")
	assert.Empty(t, chromium.RecordedViolations(t, tb), "'strict-dynamic' allowed all three: the policy saw nothing to refuse")
}

// TestHTMXCrossOrigin: the page's own htmx POST, PUT and DELETE reach the
// handler; the same requests from a page on another origin (same site:
// another port; cross-site: another host) do not. A POST, which needs no
// preflight, is sent by the browser and refused by the router with 403;
// PUT and DELETE never leave the browser, whose preflight the kit does not
// answer.
func TestHTMXCrossOrigin(t *testing.T) {
	t.Parallel()
	srv := newKitServer(t)
	var mu sync.Mutex
	var seen []string // "METHOD status Sec-Fetch-Site" of each request to the form
	k := chromium.Serve(t, "http", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/demo/htmx/form" {
			srv.ServeHTTP(w, r)
			return
		}
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		srv.ServeHTTP(rec, r)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %d %s", r.Method, rec.status, r.Header.Get("Sec-Fetch-Site")))
		mu.Unlock()
	}))
	taken := func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := seen
		seen = nil
		return out
	}

	tb := chromium.NewTab(t)
	u := k.URL + htmxDemo.Path()
	tb.Open(t, u)
	WaitDemoReady(t, tb, u)
	taken() // the page's own check posted the form once on load
	for _, method := range []string{"POST", "PUT", "DELETE"} {
		status := chromium.Eval[int](t, tb, `new Promise((resolve) => {
			document.body.addEventListener("htmx:afterRequest", (e) => resolve(e.detail.xhr.status), {once: true});
			htmx.ajax("`+method+`", "/demo/htmx/form", {target: '`+panelSel("form-post")+` .swap-target', values: {name: "Ada"}});
		})`)
		assert.Equal(t, http.StatusOK, status, "htmx %s from the page", method)
	}
	assert.Equal(t, []string{"POST 200 same-origin", "PUT 200 same-origin", "DELETE 200 same-origin"}, taken())

	// The other origin serves a plain page without a policy of its own.
	other := chromium.Serve(t, "http", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><title>elsewhere</title><p>another origin</p>")
	}))
	for _, tt := range []struct{ name, origin, site string }{
		{"same site", other.URL, "same-site"},
		{"cross site", strings.Replace(other.URL, "127.0.0.1", "localhost", 1), "cross-site"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			attacker := chromium.NewTab(t)
			attacker.Open(t, tt.origin+"/")
			// A simple POST needs no preflight: the browser sends it. The
			// promise settles once the response is in (it rejects: the kit's
			// Cross-Origin-Resource-Policy keeps even an opaque response from
			// another origin), so the server has answered by then.
			chromium.Eval[string](t, attacker, `fetch(`+strconv.Quote(u+"/form")+`, {method: "POST", mode: "no-cors", credentials: "include",
				body: new URLSearchParams({name: "Mallory"})}).then(() => "answered", (e) => "rejected: " + e)`)
			assert.Equal(t, []string{"POST 403 " + tt.site}, taken(), "refused by the router")
			for _, method := range []string{"PUT", "DELETE"} {
				res := chromium.Eval[string](t, attacker, `fetch(`+strconv.Quote(u+"/form?name=Mallory")+`, {method: "`+method+`", credentials: "include"})
					.then((r) => "status " + r.status, (e) => "failed: " + e.name)`)
				assert.Equal(t, "failed: TypeError", res, "%s: the preflight fails", method)
			}
			assert.Equal(t, []string{"OPTIONS 405 " + tt.site, "OPTIONS 405 " + tt.site}, taken(),
				"only the preflights reached the kit, answered without CORS headers; no PUT or DELETE followed")
		})
	}
}

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
