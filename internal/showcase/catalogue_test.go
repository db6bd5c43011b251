package showcase_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/internal/showcase"
	views "github.com/noncekit/noncekit/views/showcase"
)

// site is the site policy's header up to report-uri, with {n} for the nonce.
const site = "default-src 'self'; script-src 'nonce-{n}' 'strict-dynamic'; style-src 'self' 'nonce-{n}'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func TestCatalogueGroupsSendTheirPolicies(t *testing.T) {
	s := newTestServer(t)
	handler := csp.SHA256(views.HandlerAllowed)
	tests := []struct {
		path, enforce, reportOnly string // {n} is the response's nonce
	}{
		{"/demo/inline-handler", site + "; report-uri /csp-report?group=inline-handler", ""},
		{"/demo/unsafe-hashes", strings.Replace(site, "'strict-dynamic'", "'strict-dynamic' 'unsafe-hashes' "+string(handler), 1) + "; report-uri /csp-report?group=unsafe-hashes", ""},
		{"/demo/style-attr", site + "; report-uri /csp-report?group=style-attr", ""},
		{"/demo/style-attr-allowed", site + "; style-src-attr 'unsafe-inline'; report-uri /csp-report?group=style-attr-allowed", ""},
		{"/demo/eval", site + "; report-uri /csp-report?group=eval", ""},
		{"/demo/strict-dynamic", site + "; report-uri /csp-report?group=strict-dynamic", ""},
		{"/demo/base-uri", site + "; report-uri /csp-report?group=base-uri", ""},
		{"/demo/jsonp-allowlist", strings.Replace(site, "'nonce-{n}' 'strict-dynamic'", "'self'", 1) + "; report-uri /csp-report?group=jsonp-allowlist", ""},
		{"/demo/jsonp-strict", site + "; report-uri /csp-report?group=jsonp-strict", ""},
		{"/demo/trusted-types", site + "; require-trusted-types-for 'script'; trusted-types noncekit-demo; report-uri /csp-report?group=trusted-types", ""},
		{"/demo/framing", site + "; frame-src 'self'; report-uri /csp-report?group=framing", ""},
		{"/demo/framing-refused", site + "; report-uri /csp-report?group=framing-refused", ""},
		{"/demo/framing-allowed", strings.Replace(site, "frame-ancestors 'none'", "frame-ancestors 'self'", 1) + "; report-uri /csp-report?group=framing-allowed", ""},
		{"/demo/report-only-beside", site + "; report-uri /csp-report?group=report-only-beside",
			strings.Replace(site, "frame-ancestors 'none'; ", "", 1) + "; require-trusted-types-for 'script'; report-uri /csp-report?group=report-only-beside"},
		{"/demo/htmx", site + "; report-uri /csp-report?group=htmx", ""},
		{"/demo/catalogue", site + "; report-uri /csp-report?group=catalogue", ""},
		{"/lab", site + "; frame-src 'self'; report-uri /csp-report?group=lab", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, s, tt.path)
			require.Equal(t, http.StatusOK, rec.Code)
			h := rec.Header()
			m := headerNonceRE.FindStringSubmatch(h.Get(csp.HeaderCSP))
			require.NotNil(t, m, "every catalogue page is nonced")
			fill := func(v string) string { return strings.ReplaceAll(v, "{n}", m[1]) }
			assert.Equal(t, fill(tt.enforce), h.Get(csp.HeaderCSP))
			assert.Equal(t, fill(tt.reportOnly), h.Get(csp.HeaderCSPReportOnly))
			assert.Len(t, h.Values(csp.HeaderCSP), 1, "a child group replaces its parent's header")
			assert.Equal(t, "no-store", h.Get("Cache-Control"))
		})
	}
}

var (
	bareScriptRE = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
	bareStyleRE  = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	onclickRE    = regexp.MustCompile(`onclick=(?:"([^"]*)"|'([^']*)')`)
)

// TestHashesMatchTheRenderedInlineContent computes the hash of every
// un-nonced inline block the page renders, as the browser does, and checks
// the header against it: the hashed blocks are allowed, the altered one is not.
func TestHashesMatchTheRenderedInlineContent(t *testing.T) {
	rec := get(t, newTestServer(t), "/demo/hashes")
	require.Equal(t, http.StatusOK, rec.Code)
	body, header := rec.Body.String(), rec.Header().Get(csp.HeaderCSP)
	directive := func(name string) string {
		for d := range strings.SplitSeq(header, ";") {
			if f := strings.Fields(d); len(f) > 0 && f[0] == name {
				return d
			}
		}
		return ""
	}
	scripts := bareScriptRE.FindAllStringSubmatch(body, -1)
	require.Len(t, scripts, 2, "the hashed script and the altered copy, both without a nonce")
	assert.Contains(t, directive("script-src"), string(csp.SHA256(scripts[0][1])), "hashed script")
	assert.NotContains(t, header, string(csp.SHA256(scripts[1][1])), "altered script")
	assert.Equal(t, views.DemoScript, scripts[0][1])

	styles := bareStyleRE.FindAllStringSubmatch(body, -1)
	require.Len(t, styles, 1)
	assert.Contains(t, directive("style-src"), string(csp.SHA256(styles[0][1])))
	assert.Equal(t, views.HashDemo.ScriptHashes(), []csp.Source{csp.SHA256(scripts[0][1])})
}

// TestUnsafeHashesMatchesExactlyOneHandler hashes each onclick value as the
// browser does (after HTML-decoding the attribute).
func TestUnsafeHashesMatchesExactlyOneHandler(t *testing.T) {
	rec := get(t, newTestServer(t), "/demo/unsafe-hashes")
	header := rec.Header().Get(csp.HeaderCSP)
	var allowed []string
	for _, m := range onclickRE.FindAllStringSubmatch(rec.Body.String(), -1) {
		v := html.UnescapeString(m[1] + m[2])
		if strings.Contains(header, string(csp.SHA256(v))) {
			allowed = append(allowed, v)
		}
	}
	assert.Equal(t, []string{views.HandlerAllowed}, allowed)
	assert.Contains(t, header, "'unsafe-hashes'")
}

// TestJSONPAnswersOnlyItsOwnCallback reproduces the gadget of issue 21
// (the demo's endpoint echoed any dotted callback, such as a.b.c, so a
// page allowlisting this origin could be made to call any existing
// function) and shows it fails: only the demo's fixed name is answered,
// and a refused name is not echoed.
func TestJSONPAnswersOnlyItsOwnCallback(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		query  string
		status int
	}{
		{"callback=noncekitJsonp", 200},
		{"callback=a.b.c", 400},
		{"callback=history.back", 400},
		{"callback=alert", 400},
		{"callback=noncekitJsonp.call", 400},
		{"callback=window.noncekitJsonp", 400},
		{"callback=NONCEKITJSONP", 400},
		{"callback=noncekitJsonp%00", 400},
		{"callback=noncekitJsonp&callback=noncekitJsonp", 400},
		{"callback=noncekitJsonp&callback=alert", 400},
		{"", 400},
		{"callback=", 400},
		{"callback=alert(1)", 400},
		{"callback=a;alert(1)", 400},
		{"callback=%3Cscript%3E", 400},
		{"callback=" + strings.Repeat("a", 4096), 400},
	}
	for _, tt := range tests {
		t.Run(tt.query[:min(len(tt.query), 60)], func(t *testing.T) {
			rec := get(t, s, "/demo/jsonp?"+tt.query)
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			if tt.status == 200 {
				assert.Equal(t, "text/javascript; charset=utf-8", rec.Header().Get("Content-Type"))
				assert.Equal(t, `/**/noncekitJsonp({"demo":"jsonp"});`+"\n", rec.Body.String())
				return
			}
			assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
			assert.Equal(t, "callback must be noncekitJsonp\n", rec.Body.String(), "the refused name is not echoed")
		})
	}
}

// TestJSONPDemoNamesTheAnsweredCallback: the demo pages inject a tag whose
// URL the endpoint answers, so the allowlist demo still runs.
func TestJSONPDemoNamesTheAnsweredCallback(t *testing.T) {
	s := newTestServer(t)
	for _, page := range []string{"/demo/jsonp-allowlist", "/demo/jsonp-strict"} {
		body := get(t, s, page).Body.String()
		m := regexp.MustCompile(`<script src="(/demo/jsonp\?[^"]*)"></script>`).FindStringSubmatch(body)
		require.NotNil(t, m, "%s injects the JSONP tag", page)
		assert.Equal(t, http.StatusOK, get(t, s, html.UnescapeString(m[1])).Code, page)
	}
}

var (
	demoCaseRE = regexp.MustCompile(`<[a-z]+ [^>]*data-demo="([^"]+)"[^>]*>`)
	expectedRE = regexp.MustCompile(`data-expected="([a-z]+)"`)
)

// TestCatalogueFollowsTheDemoContract checks what the browser suite relies
// on: every page is linked from /demo and the catalogue, loads demos.js,
// and each case has a name and a fixed expected outcome.
func TestCatalogueFollowsTheDemoContract(t *testing.T) {
	s := newTestServer(t)
	demo, index := get(t, s, "/demo").Body.String(), get(t, s, "/demo/catalogue").Body.String()
	for _, d := range showcase.Catalogue {
		t.Run(d.Slug, func(t *testing.T) {
			if !d.Unlisted {
				assert.Contains(t, demo, `href="`+d.Path()+`"`, "linked from /demo")
				assert.Contains(t, index, `href="`+d.Path()+`"`, "linked from the catalogue")
			}
			rec := get(t, s, d.Path())
			require.Equal(t, http.StatusOK, rec.Code)
			body := rec.Body.String()
			if d.Group(csp.New(), csp.New()).CacheFor > 0 {
				// A cacheable page: demos.js loads by its integrity, with no nonce.
				assert.Regexp(t, `<script src="/static/showcase/js/demos\.[0-9a-f]+\.js" integrity="sha384-[^"]+">`, body)
			} else {
				assert.Regexp(t, `<script src="/static/showcase/js/demos\.[0-9a-f]+\.js"[^>]* nonce="[^"]+"`, body)
			}
			cases := demoCaseRE.FindAllStringSubmatch(body, -1)
			require.NotEmpty(t, cases)
			rendered := map[string]string{}
			for _, c := range cases {
				m := expectedRE.FindStringSubmatch(c[0])
				require.NotNil(t, m, "case %s has no data-expected", c[1])
				rendered[c[1]] = m[1]
				assert.NotContains(t, c[0], "data-outcome", "outcomes are the browser's to write")
			}
			assert.Equal(t, d.Expect, rendered, "the page's panels are exactly the entry's Expect")
			if !d.Unlisted { // a framed page is bare: the page framing it explains
				for _, name := range []string{csp.HeaderCSP, csp.HeaderCSPReportOnly} {
					if v := rec.Header().Get(name); v != "" {
						assert.Contains(t, body, name+": "+html.EscapeString(v), "the header is shown")
					}
				}
			}
		})
	}
}

// TestLiveDemoFollowsTheDemoContract checks the same contract on /demo and
// /demo/report-only, which demos.js judges too: it is loaded nonced, before
// the panels, and each case has a name and a fixed expected outcome.
func TestLiveDemoFollowsTheDemoContract(t *testing.T) {
	s := newTestServer(t)
	for _, path := range []string{"/demo", "/demo/report-only"} {
		t.Run(path, func(t *testing.T) {
			rec := get(t, s, path)
			require.Equal(t, http.StatusOK, rec.Code)
			body := rec.Body.String()
			script := regexp.MustCompile(`<script src="/static/showcase/js/demos\.[0-9a-f]+\.js"[^>]* nonce="[^"]+"`).FindStringIndex(body)
			require.NotNil(t, script, "demos.js is loaded, nonced")
			cases := demoCaseRE.FindAllStringSubmatchIndex(body, -1)
			require.NotEmpty(t, cases)
			assert.Less(t, script[0], cases[0][0], "demos.js comes before the panels")
			for _, c := range cases {
				tag, name := body[c[0]:c[1]], body[c[2]:c[3]]
				assert.Regexp(t, expectedRE, tag, "case %s", name)
				assert.NotContains(t, tag, "data-outcome", "outcomes are the browser's to write")
			}
		})
	}
}
