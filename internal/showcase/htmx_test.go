package showcase_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/csptest"
	views "github.com/noncekit/noncekit/views/showcase"
)

// htmxGroup is the policy every /demo/htmx response carries, page and
// fragments alike, up to the nonce.
const htmxGroup = site + "; report-uri /csp-report?group=htmx"

func serve(t *testing.T, h http.Handler, req *http.Request) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// assertGroupHeaders: the response went through the page's route group,
// and returns its nonce.
func assertGroupHeaders(t *testing.T, resp *http.Response) string {
	t.Helper()
	m := headerNonceRE.FindStringSubmatch(resp.Header.Get(csp.HeaderCSP))
	require.NotNil(t, m, "nonced like the page")
	assert.Equal(t, strings.ReplaceAll(htmxGroup, "{n}", m[1]), resp.Header.Get(csp.HeaderCSP))
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	return m[1]
}

// assertFragmentHeaders: a RenderFragment response also names, in Vary,
// the headers that chose between fragment and page.
func assertFragmentHeaders(t *testing.T, resp *http.Response) string {
	t.Helper()
	assert.Equal(t, "HX-Request, HX-Boosted, HX-History-Restore-Request", resp.Header.Get("Vary"))
	return assertGroupHeaders(t, resp)
}

var injectedAllowed = csptest.Allow(csptest.All(csptest.Tag("script"), csptest.Inside("data-fragment", "injected")), "the demo's injected comment")

// TestHTMXFragments: htmx gets each fragment alone, a browser the whole
// page; both carry the page's policy. The clean fragment keeps the kit's
// fragment rule; the injected one breaks it exactly as the page says: three
// scripts, one of them with the fragment response's own nonce.
func TestHTMXFragments(t *testing.T) {
	s := newTestServer(t)
	for _, path := range []string{"/demo/htmx/swap", "/demo/htmx/injected"} {
		t.Run(path, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.Header.Set("HX-Request", "true")
			frag := serve(t, s, req)
			require.Equal(t, http.StatusOK, frag.StatusCode)
			nonce := assertFragmentHeaders(t, frag)
			b := body(t, frag)
			assert.NotContains(t, b, "<html", "the fragment alone")

			page := serve(t, s, httptest.NewRequest(http.MethodGet, path, nil))
			require.Equal(t, http.StatusOK, page.StatusCode)
			assertFragmentHeaders(t, page)
			pb := body(t, page)
			assert.Contains(t, pb, "<!doctype html>")

			if path == "/demo/htmx/swap" {
				assert.Contains(t, b, "data-swapped")
				assert.Empty(t, csptest.CheckFragment(frag.Header, []byte(b)))
				csptest.AssertNoncedHTML(t, page.Header, []byte(pb))
				return
			}
			assert.Contains(t, b, "data-fragment-arrived")
			kinds := map[csptest.Kind]int{}
			for _, p := range csptest.CheckFragment(frag.Header, []byte(b)) {
				kinds[p.Kind]++
			}
			assert.Equal(t, map[csptest.Kind]int{csptest.FragmentScript: 3}, kinds, "the three injected scripts, and nothing else")
			assert.Equal(t, 1, strings.Count(b, `<script nonce="`+nonce+`">`), "one carries the fragment response's own nonce")
			assert.Equal(t, 1, strings.Count(b, `<script src="/static/showcase/js/demo-external.`), "one is external")
			assert.Empty(t, csptest.CheckFragment(frag.Header, []byte(b), injectedAllowed))
			csptest.AssertNoncedHTML(t, page.Header, []byte(pb), injectedAllowed)
		})
	}
}

func TestHTMXForm(t *testing.T) {
	s := newTestServer(t)
	form := func(name string) string { return url.Values{"name": {name}}.Encode() }
	tests := []struct {
		name   string
		method string
		body   string
		query  string
		htmx   bool
		status int
		want   string
	}{
		{"htmx POST", http.MethodPost, form("Ada"), "", true, 200, `<p data-posted>Received "Ada" by POST`},
		{"htmx PUT", http.MethodPut, form("Ada"), "", true, 200, `Received "Ada" by PUT`},
		{"htmx DELETE, values in the URL as htmx sends them", http.MethodDelete, "", form("Ada"), true, 200, `Received "Ada" by DELETE`},
		{"markup is escaped", http.MethodPost, form(`<script>x()</script>`), "", true, 200, `Received "&lt;script&gt;x()&lt;/script&gt;"`},
		{"surrounding space trimmed", http.MethodPost, form("  Ada "), "", true, 200, `Received "Ada"`},
		{"64 characters", http.MethodPost, form(strings.Repeat("é", 64)), "", true, 200, `Received "` + strings.Repeat("é", 64) + `"`},
		{"65 characters", http.MethodPost, form(strings.Repeat("é", 65)), "", true, 400, "name: at most 64 characters\n"},
		{"empty", http.MethodPost, form(" "), "", true, 400, "name: required\n"},
		{"missing", http.MethodPost, "", "", true, 400, "name: required\n"},
		{"not UTF-8", http.MethodPost, "name=%FF", "", true, 400, "name: not UTF-8\n"},
		{"malformed body", http.MethodPost, "name=%zz", "", true, 400, "unreadable form\n"},
		{"too large", http.MethodPost, "name=" + strings.Repeat("a", 5<<10), "", true, 413, "form too large\n"},
		{"without htmx, the whole page", http.MethodPost, form("Ada"), "", false, 200, `<!doctype html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/demo/htmx/form?"+tt.query, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			if tt.htmx {
				req.Header.Set("HX-Request", "true")
			}
			resp := serve(t, s, req)
			require.Equal(t, tt.status, resp.StatusCode)
			b := body(t, resp)
			if tt.status != 200 {
				assert.Equal(t, tt.want, b)
				return
			}
			assert.Contains(t, b, tt.want)
			assertFragmentHeaders(t, resp)
			if tt.htmx {
				assert.Empty(t, csptest.CheckFragment(resp.Header, []byte(b)))
			} else {
				assert.Contains(t, b, `Received "Ada" by POST`)
			}
		})
	}
}

// TestHTMXUnsafeMethodsCrossOrigin: htmx's POST, PUT and DELETE pass the
// router's cross-origin protection from the page's own origin; the same
// request from another origin, or another site, is refused before it
// reaches the handler. Browsers send Sec-Fetch-Site; without it the Origin
// must match the host.
func TestHTMXUnsafeMethodsCrossOrigin(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		name    string
		headers map[string]string
		status  int
	}{
		{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
		{"same origin, by Origin alone", map[string]string{"Origin": "http://example.com"}, 200},
		{"another origin of this site", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://other.example.com"}, 403},
		{"another site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403},
		{"another site, by Origin alone", map[string]string{"Origin": "https://evil.example"}, 403},
		{"an opaque origin", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "null"}, 403},
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		for _, tt := range tests {
			t.Run(method+" "+tt.name, func(t *testing.T) {
				req := httptest.NewRequest(method, "http://example.com/demo/htmx/form?name=Ada", strings.NewReader("name=Ada"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("HX-Request", "true")
				for k, v := range tt.headers {
					req.Header.Set(k, v)
				}
				resp := serve(t, s, req)
				assert.Equal(t, tt.status, resp.StatusCode)
				b := body(t, resp)
				if tt.status == 200 {
					assert.Contains(t, b, "by "+method)
				} else {
					assert.NotContains(t, b, "Received", "refused before the handler ran")
					assert.Contains(t, b, "<h1>Forbidden</h1>", "the kit's own error page")
					csptest.AssertNoncedHTML(t, resp.Header, []byte(b))
				}
			})
		}
	}
}

// TestHTMXPageLoadsHTMX: the demo page opts in to htmx through the layout,
// and its panels are the catalogue entry's.
func TestHTMXPageLoadsHTMX(t *testing.T) {
	resp := serve(t, newTestServer(t), httptest.NewRequest(http.MethodGet, "/demo/htmx", nil))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assertGroupHeaders(t, resp)
	b := body(t, resp)
	assert.Regexp(t, `<meta name="htmx-config" content="\{&#34;allowEval&#34;:false,&#34;allowScriptTags&#34;:false,&#34;includeIndicatorStyles&#34;:false`, b)
	assert.Contains(t, b, `<meta name="noncekit-policy" content="`+strings.ReplaceAll(strings.ReplaceAll(htmxGroup, "{n}", "{nonce}"), "'", "&#39;")+"\n"+`"`)
	assert.Regexp(t, `<script src="/static/js/vendor/htmx-2\.0\.11\.min\.[0-9a-f]+\.js" integrity="sha384-[^"]+" nonce="[^"]+" defer></script>`, b)
	assert.Regexp(t, `<script src="/static/js/htmx-guard\.[0-9a-f]+\.js" integrity="sha384-[^"]+" nonce="[^"]+" defer></script>`, b)
	assert.Regexp(t, `<script src="/static/showcase/js/htmx-demo\.[0-9a-f]+\.js" integrity="sha384-[^"]+" nonce="[^"]+"></script>`, b)
	for _, c := range []string{views.CaseHTMXSwap, views.CaseHTMXInjected, views.CaseHTMXBoosted, views.CaseHTMXBoostRefused, views.CaseHTMXOn, views.CaseHTMXDelegated, views.CaseHTMXPost} {
		assert.Contains(t, b, `data-demo="`+c+`"`)
	}
}
