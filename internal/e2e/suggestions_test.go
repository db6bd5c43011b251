package e2e_test

import (
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/csp/suggest"
	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

// site is a policy like the kit's own: scripts and styles by nonce, every
// other kind of resource from this origin only.
var site = csp.New().
	Set(csp.DefaultSrc, csp.Self).
	Set(csp.ScriptSrc, csp.Nonce, csp.StrictDynamic).
	Set(csp.StyleSrc, csp.Self, csp.Nonce).
	Set(csp.ObjectSrc, csp.None).
	Set(csp.BaseURI, csp.None).
	Set(csp.FrameAncestors, csp.None).
	Set(csp.FormAction, csp.Self)

// thirdPartyJS is the script the other origin serves; the script cases
// check that it ran.
const thirdPartyJS = "window.thirdPartyRan = true;\n"

// thirdPartyIntegrity is its Subresource Integrity value.
var thirdPartyIntegrity = func() string {
	sum := sha512.Sum384([]byte(thirdPartyJS))
	return "sha384-" + base64.StdEncoding.EncodeToString(sum[:])
}()

// suggestionCase is a page that breaks its policy once, in one way. In the
// body, NONCE, OTHER (the second origin: this server as localhost) and
// SELF (this origin) are replaced; its nonced scripts call finish(outcome)
// when the page's work is done.
type suggestionCase struct {
	name   string
	policy csp.Policy
	body   string
	// blocked is what Chromium reports: "effective-directive blocked".
	blocked string
	// change is the suggestion's Go expression, with OTHER and SELF.
	change string
	// outcome is what finish reports once the suggested policy applies;
	// "" when the page cannot tell (a font or a video with no real file).
	outcome string
}

// TestEverySuggestionWorksInChromium: for each kind of change package
// suggest makes, a page breaks the policy in that way; Chromium's own
// violation (directive, blocked URL, sample) becomes the aggregate the
// store would hold; the suggested policy is applied and the page
// reloaded; the violation is gone and the resource did what it was for.
// The same aggregates reach package suggest through the report receiver
// and the store in TestLearnDemo.
func TestEverySuggestionWorksInChromium(t *testing.T) {
	t.Parallel()
	trusted := site.Set(csp.RequireTrustedTypesFor, "'script'").Set(csp.TrustedTypes, "app")
	var cases []suggestionCase // filled in once the server's origins are known
	var mu sync.Mutex
	applied := map[string]csp.Policy{} // the case's policy once the suggestion is applied
	k := chromium.Serve(t, "http", suggestionServer(t, &cases, func(name string) (csp.Policy, bool) {
		mu.Lock()
		defer mu.Unlock()
		p, ok := applied[name]
		return p, ok
	}))
	self := k.URL
	other := strings.Replace(self, "127.0.0.1", "localhost", 1)
	expand := strings.NewReplacer("OTHER", other, "SELF", self).Replace

	cases = []suggestionCase{
		{
			name: "image from another origin", policy: site,
			body:    `<script nonce="NONCE">const i = new Image(); i.onload = () => finish("loaded"); i.onerror = () => finish("error"); i.src = "OTHER/r/x.svg";</script>`,
			blocked: "img-src OTHER/r/x.svg", change: `site.Add(csp.ImgSrc, "OTHER")`, outcome: "loaded",
		},
		{
			name: "image from a data: URL", policy: site,
			body:    `<script nonce="NONCE">const i = new Image(); i.onload = () => finish("loaded"); i.onerror = () => finish("error"); i.src = "data:image/svg+xml," + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');</script>`,
			blocked: "img-src data", change: `site.Add(csp.ImgSrc, csp.Data)`, outcome: "loaded",
		},
		{
			name: "image from a blob: URL", policy: site,
			body:    `<script nonce="NONCE">const i = new Image(); i.onload = () => finish("loaded"); i.onerror = () => finish("error"); i.src = URL.createObjectURL(new Blob(['<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'], {type: "image/svg+xml"}));</script>`,
			blocked: "img-src blob", change: `site.Add(csp.ImgSrc, csp.Blob)`, outcome: "loaded",
		},
		{
			name: "stylesheet from another origin", policy: site,
			body:    `<script nonce="NONCE">const l = document.createElement("link"); l.rel = "stylesheet"; l.href = "OTHER/r/s.css"; l.onload = () => finish(getComputedStyle(document.body).getPropertyValue("--third-party").trim()); l.onerror = () => finish("error"); document.head.append(l);</script>`,
			blocked: "style-src-elem OTHER/r/s.css", change: `site.Add(csp.StyleSrc, "OTHER")`, outcome: "applied",
		},
		{
			name: "font from another origin", policy: site,
			body: `<style nonce="NONCE">@font-face { font-family: third; src: url("OTHER/r/f.woff2"); }</style>` +
				`<script nonce="NONCE">document.fonts.load("1em third").then(() => finish("done"), () => finish("done"));</script>`,
			blocked: "font-src OTHER/r/f.woff2", change: `site.Add(csp.FontSrc, "OTHER")`,
		},
		{
			name: "font from a data: URL", policy: site,
			body: `<style nonce="NONCE">@font-face { font-family: inlined; src: url("data:font/woff2;base64,AAAA"); }</style>` +
				`<script nonce="NONCE">document.fonts.load("1em inlined").then(() => finish("done"), () => finish("done"));</script>`,
			blocked: "font-src data", change: `site.Add(csp.FontSrc, csp.Data)`,
		},
		{
			name: "video from another origin", policy: site,
			body:    `<script nonce="NONCE">const v = document.createElement("video"); v.onloadedmetadata = v.onerror = () => finish("done"); v.preload = "auto"; v.src = "OTHER/r/v.mp4"; document.body.append(v);</script>`,
			blocked: "media-src OTHER/r/v.mp4", change: `site.Add(csp.MediaSrc, "OTHER")`,
		},
		{
			name: "fetch to another origin", policy: site,
			body:    `<script nonce="NONCE">fetch("OTHER/r/api").then((r) => r.json()).then((j) => finish(j.answer), () => finish("error"));</script>`,
			blocked: "connect-src OTHER/r/api", change: `site.Add(csp.ConnectSrc, "OTHER")`, outcome: "ok",
		},
		{
			name: "frame from another origin", policy: site,
			body:    `<script nonce="NONCE">framed(); const f = document.createElement("iframe"); f.src = "OTHER/r/frame.html"; document.body.append(f);</script>`,
			blocked: "frame-src OTHER", change: `site.Add(csp.FrameSrc, "OTHER")`, outcome: "framed",
		},
		{
			name: "form posting to another origin", policy: site.Add(csp.FrameSrc, csp.Source(other)),
			body: `<iframe name="target"></iframe><form action="OTHER/r/frame.html" method="post" target="target"></form>` +
				`<script nonce="NONCE">framed(); document.forms[0].submit();</script>`,
			blocked: "form-action OTHER/r/frame.html", outcome: "framed",
			change: `csp.New().Set(csp.DefaultSrc, csp.Self).Set(csp.ScriptSrc, csp.Nonce, csp.StrictDynamic).Set(csp.StyleSrc, csp.Self, csp.Nonce).Set(csp.ObjectSrc, csp.None).Set(csp.BaseURI, csp.None).Set(csp.FrameAncestors, csp.None).Set(csp.FormAction, csp.Self).Set(csp.FrameSrc, csp.Self, "OTHER").Add(csp.FormAction, "OTHER")`,
		},
		{
			name: "worker from this origin, without 'strict-dynamic'", policy: site.Replace(csp.ScriptSrc, csp.Nonce),
			body:    `<script nonce="NONCE">try { const w = new Worker("/r/w.js"); w.onmessage = (e) => finish(e.data); w.onerror = () => finish("error"); } catch { finish("error"); }</script>`,
			blocked: "worker-src SELF/r/w.js", outcome: "worker ran",
			change: `csp.New().Set(csp.DefaultSrc, csp.Self).Set(csp.ScriptSrc, csp.Nonce).Set(csp.StyleSrc, csp.Self, csp.Nonce).Set(csp.ObjectSrc, csp.None).Set(csp.BaseURI, csp.None).Set(csp.FrameAncestors, csp.None).Set(csp.FormAction, csp.Self).Set(csp.WorkerSrc, "SELF")`,
		},
		{
			name: "WebAssembly", policy: site,
			body:    `<script nonce="NONCE">WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => finish("compiled"), () => finish("refused"));</script>`,
			blocked: "script-src wasm-eval", change: `site.Add(csp.ScriptSrc, csp.WasmUnsafeEval)`, outcome: "compiled",
		},
		{
			name: "a Trusted Types policy name", policy: trusted,
			body:    `<script nonce="NONCE">try { trustedTypes.createPolicy("dompurify", {createHTML: (s) => s}); finish("created"); } catch { finish("refused"); }</script>`,
			blocked: "trusted-types trusted-types-policy", outcome: "created",
			change: `csp.New().Set(csp.DefaultSrc, csp.Self).Set(csp.ScriptSrc, csp.Nonce, csp.StrictDynamic).Set(csp.StyleSrc, csp.Self, csp.Nonce).Set(csp.ObjectSrc, csp.None).Set(csp.BaseURI, csp.None).Set(csp.FrameAncestors, csp.None).Set(csp.FormAction, csp.Self).Set(csp.RequireTrustedTypesFor, "'script'").Set(csp.TrustedTypes, "app").Add(csp.TrustedTypes, "dompurify")`,
		},
		{
			name: "script file beside a nonce without 'strict-dynamic'", policy: site.Replace(csp.ScriptSrc, csp.Nonce),
			body:    `<script src="OTHER/r/x.js"></script><script nonce="NONCE">finish(window.thirdPartyRan ? "ran" : "blocked");</script>`,
			blocked: "script-src-elem OTHER/r/x.js", outcome: "ran",
			change: `csp.New().Set(csp.DefaultSrc, csp.Self).Set(csp.ScriptSrc, csp.Nonce).Set(csp.StyleSrc, csp.Self, csp.Nonce).Set(csp.ObjectSrc, csp.None).Set(csp.BaseURI, csp.None).Set(csp.FrameAncestors, csp.None).Set(csp.FormAction, csp.Self).Add(csp.ScriptSrc, "OTHER")`,
		},
	}

	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			page := fmt.Sprintf("%s/case/%d", self, i)
			tb := chromium.NewTab(t)

			// As declared: blocked once, in the way the case is about.
			got, violations := openCase(t, tb, page)
			assert.NotEqual(t, c.outcome, got, "the declared policy already allows it")
			require.Len(t, violations, 1, "one violation: %v", violations)
			v := violations[0]
			assert.Equal(t, expand(c.blocked), v.Directive+" "+v.Blocked)

			// The suggestion from what Chromium reported.
			g := csp.Group{Name: "case", Enforce: c.policy}
			agg := report.Aggregate{Group: g.Name, Directive: v.Directive, BlockedURL: v.Blocked,
				DocumentPath: report.DocumentPath(page), Disposition: v.Disposition, Count: 1, Sample: v.Sample}
			ss := suggest.Suggest(g, []report.Aggregate{agg}, suggest.Options{Bases: []suggest.Base{{Name: "site", Policy: site}}})
			require.Len(t, ss, 1)
			s := ss[0]
			require.Empty(t, s.Refused, "a change, not a refusal")
			require.Len(t, s.Resolved, 1)
			assert.Equal(t, expand(c.change), s.Go)

			// Applied, and reloaded: no violation, and the resource works.
			mu.Lock()
			applied[fmt.Sprint(i)] = s.Policy
			mu.Unlock()
			got, violations = openCase(t, tb, page)
			assert.Empty(t, violations, "the suggested policy still blocks")
			if c.outcome != "" {
				assert.Equal(t, c.outcome, got)
			}
		})
	}

	// A script file under 'strict-dynamic': no change, since Chromium
	// ignores the host; what the refusal advises instead works, both
	// ways it names.
	t.Run("script file under 'strict-dynamic'", func(t *testing.T) {
		t.Parallel()
		tb := chromium.NewTab(t)
		got, violations := openCase(t, tb, self+"/script/plain")
		assert.Equal(t, "blocked", got)
		require.Len(t, violations, 1)
		v := violations[0]
		assert.Equal(t, "script-src-elem "+other+"/r/x.js", v.Directive+" "+v.Blocked)
		agg := report.Aggregate{Group: "script", Directive: v.Directive, BlockedURL: v.Blocked,
			DocumentPath: "/script/plain", Disposition: v.Disposition, Count: 1}
		ss := suggest.Suggest(csp.Group{Name: "script", Enforce: site}, []report.Aggregate{agg}, suggest.Options{})
		require.Len(t, ss, 1)
		assert.Empty(t, ss[0].Changes, "no host, which the browser would ignore")
		require.Len(t, ss[0].Refused, 1)
		instead := ss[0].Refused[0].Instead
		assert.Contains(t, instead, "nonce={ templ.GetNonce(ctx) }")
		assert.Contains(t, instead, "integrity")
		assert.Contains(t, instead, "csp.IntegritySource")

		// The nonce on the tag, through csp.Script.
		got, violations = openCase(t, tb, self+"/script/nonce")
		assert.Empty(t, violations)
		assert.Equal(t, "ran", got)
		// integrity on the tag and its hash in script-src.
		got, violations = openCase(t, tb, self+"/script/integrity")
		assert.Empty(t, violations)
		assert.Equal(t, "ran", got)
	})
}

// openCase opens page, waits for it to call finish and returns the
// outcome and the violations it raised.
func openCase(t *testing.T, tb *chromium.Tab, page string) (string, []chromium.PageViolation) {
	t.Helper()
	tb.Open(t, page)
	chromium.WaitUntil(t, tb, `document.body && document.body.dataset.outcome !== undefined`, "%s never finished", page)
	return chromium.Eval[string](t, tb, `document.body.dataset.outcome`), chromium.RecordedViolations(t, tb)
}

// suggestionServer serves each case's page at /case/{index} under its
// policy, or under the applied one once set; the third-party files under
// /r/, from either origin; and the strict-dynamic script pages under
// /script/.
func suggestionServer(t *testing.T, cases *[]suggestionCase, appliedPolicy func(name string) (csp.Policy, bool)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /case/{i}", func(w http.ResponseWriter, r *http.Request) {
		i := r.PathValue("i")
		n, err := strconv.Atoi(i)
		if err != nil || n < 0 || n >= len(*cases) {
			http.NotFound(w, r)
			return
		}
		c := (*cases)[n]
		p := c.policy
		if a, ok := appliedPolicy(i); ok {
			p = a
		}
		serveCase(t, w, r, p, c.body)
	})
	script := func(p csp.Policy, tag string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			serveCase(t, w, r, p, tag+finishScript)
		}
	}
	mux.HandleFunc("GET /script/plain", script(site, `<script src="OTHER/r/x.js"></script>`))
	mux.HandleFunc("GET /script/nonce", func(w http.ResponseWriter, r *http.Request) {
		serveCase(t, w, r, site, finishScript, csp.Script(origin(r, "localhost")+"/r/x.js", ""))
	})
	mux.HandleFunc("GET /script/integrity", script(site.Add(csp.ScriptSrc, csp.IntegritySource(thirdPartyIntegrity)),
		`<script src="OTHER/r/x.js" integrity="`+thirdPartyIntegrity+`" crossorigin="anonymous"></script>`))
	mux.HandleFunc("/r/{file}", serveThirdParty)
	mux.HandleFunc("POST "+chromium.ReportPath, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return mux
}

// finishScript ends a script case's page, after the script's tag.
const finishScript = `<script nonce="NONCE">finish(window.thirdPartyRan ? "ran" : "blocked");</script>`

// serveCase writes the page: body after a nonced script that defines
// finish, then the components, under policy p with a fresh nonce.
func serveCase(t *testing.T, w http.ResponseWriter, r *http.Request, p csp.Policy, body string, components ...templ.Component) {
	m := csp.NewManager()
	h := m.Middleware(csp.Group{Name: "case", Enforce: p, Accept: "a test page"})
	require.NoError(t, m.Err())
	h(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := templ.GetNonce(r.Context())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fill := strings.NewReplacer("NONCE", nonce, "OTHER", origin(r, "localhost"), "SELF", origin(r, "127.0.0.1")).Replace
		fmt.Fprint(w, `<!doctype html><html><head><meta charset="utf-8"><title>case</title></head><body>`+
			fill(pageScript))
		for _, c := range components {
			require.NoError(t, c.Render(r.Context(), w))
		}
		fmt.Fprint(w, fill(body)+`</body></html>`)
	})).ServeHTTP(w, r)
}

// pageScript defines what every case's page calls: finish(outcome) once
// its work is done (the first call counts), and framed(), which finishes
// with "framed" when a frame says it loaded and "blocked" at the first
// violation.
const pageScript = `<script nonce="NONCE">
window.finish = (o) => { if (document.body.dataset.outcome === undefined) document.body.dataset.outcome = o; };
window.framed = () => {
  addEventListener("message", (e) => { if (e.data === "framed") finish("framed"); });
  document.addEventListener("securitypolicyviolation", () => finish("blocked"));
};
</script>`

// origin is the request's origin with its host replaced by host: the same
// server, reached as another origin.
func origin(r *http.Request, host string) string {
	_, port, _ := strings.Cut(r.Host, ":")
	return (&url.URL{Scheme: "http", Host: host + ":" + port}).String()
}

// serveThirdParty serves the files the cases load, readable from any
// origin.
func serveThirdParty(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	files := map[string][2]string{
		"x.svg":      {"image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>`},
		"s.css":      {"text/css", `body { --third-party: applied; }`},
		"f.woff2":    {"font/woff2", "not a font"},
		"v.mp4":      {"video/mp4", "not a video"},
		"api":        {"application/json", `{"answer": "ok"}`},
		"frame.html": {"text/html", `<script>parent.postMessage("framed", "*");</script>`},
		"w.js":       {"text/javascript", `postMessage("worker ran");`},
		"x.js":       {"text/javascript", thirdPartyJS},
	}
	f, ok := files[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f[0])
	fmt.Fprint(w, f[1])
}
