package showcase_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/suggest"
	views "github.com/noncekit/noncekit/views/showcase"
)

// TestSecondOrigin: the learn demo's second origin is the same server under
// its other loopback name; anything else in Host is never echoed.
func TestSecondOrigin(t *testing.T) {
	for _, tt := range []struct {
		secure bool
		host   string
		want   string
	}{
		{false, "127.0.0.1:8080", "http://localhost:8080"},
		{true, "127.0.0.1:8443", "https://localhost:8443"},
		{false, "localhost:8080", "http://127.0.0.1:8080"},
		{false, "LOCALHOST:8080", "http://127.0.0.1:8080"},
		{false, "[::1]:8080", "http://localhost:8080"},
		{false, "localhost", "http://127.0.0.1"},
		{false, "example.com:8080", "https://third-party.invalid"},
		{false, `localhost:80"><script>`, "https://third-party.invalid"},
		{false, "localhost:123456", "https://third-party.invalid"},
		{false, "", "https://third-party.invalid"},
	} {
		assert.Equal(t, tt.want, views.SecondOrigin(tt.secure, tt.host), "%q", tt.host)
	}
}

// TestLearnPage: /demo/learn is report-only, tags its view, and loads its
// third-party files from the second origin; those answer cross-origin.
func TestLearnPage(t *testing.T) {
	s := newTestServer(t)
	req := httptest.NewRequest(http.MethodGet, "/demo/learn", nil)
	req.Host = "127.0.0.1:4567"
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Empty(t, rec.Header().Get(csp.HeaderCSP), "nothing is enforced")
	ro := rec.Header().Get(csp.HeaderCSPReportOnly)
	assert.Regexp(t, `report-uri /demo/reports\?view=[A-Z2-7]{26}&group=learn$`, ro, "each view reports to an address of its own")
	body := rec.Body.String()
	assert.Contains(t, body, `<meta name="noncekit-view-reports" content="/demo/reports?view=`)
	assert.Contains(t, body, `<img src="http://localhost:4567/demo/learn/third-party.svg"`)
	assert.Contains(t, body, `<script src="http://localhost:4567/demo/learn/third-party.js"></script>`, "no nonce: the tag as pasted")
	assert.Contains(t, body, `onclick="`+views.HandlerAllowed+`"`)

	for path, ctype := range map[string]string{"/demo/learn/third-party.svg": "image/svg+xml", "/demo/learn/third-party.js": "text/javascript; charset=utf-8"} {
		rec := get(t, s, path)
		require.Equal(t, http.StatusOK, rec.Code, path)
		assert.Equal(t, ctype, rec.Header().Get("Content-Type"), path)
		assert.Equal(t, "cross-origin", rec.Header().Get("Cross-Origin-Resource-Policy"), "%s is embedded from the other origin", path)
	}
}

func postSuggest(s http.Handler, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/demo/learn/suggest", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// learnReports are the reports /demo/learn's view causes, as its stream
// delivers them.
const learnReports = `{"reports": [
 {"group":"learn","directive":"img-src","blockedURL":"http://localhost:4567/demo/learn/third-party.svg","document":"http://127.0.0.1:4567/demo/learn","disposition":"report"},
 {"group":"learn","directive":"script-src-elem","blockedURL":"http://localhost:4567/demo/learn/third-party.js","document":"http://127.0.0.1:4567/demo/learn","disposition":"report"},
 {"group":"learn","directive":"script-src-attr","blockedURL":"inline","document":"http://127.0.0.1:4567/demo/learn","disposition":"report","sample":"noncekitMark(this)"},
 {"group":"learn","directive":"script-src-attr","blockedURL":"inline","document":"http://127.0.0.1:4567/demo/learn","disposition":"report","sample":"noncekitMark(this)"},
 {"group":"demo","directive":"img-src","blockedURL":"https://elsewhere.example/x.png","document":"http://127.0.0.1:4567/demo","disposition":"enforce"}
]}`

// TestLearnSuggest: the page's reports become the suggestion the demo
// promises: the image's origin in img-src; the script refused, since under
// 'strict-dynamic' its host would change nothing, with the nonce as the
// fix; the handler refused.
func TestLearnSuggest(t *testing.T) {
	s := newTestServer(t)
	rec := postSuggest(s, learnReports)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var got []suggest.Suggestion
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.Len(t, got, 1)
	g := got[0]
	assert.Equal(t, "learn", g.Group)
	assert.Equal(t, csp.HeaderCSPReportOnly, g.Header)
	assert.Equal(t, "ReportOnly", g.Field)
	assert.Equal(t, "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; img-src 'self' http://localhost:4567", g.Value)
	assert.Equal(t, `site.Add(csp.ImgSrc, "http://localhost:4567")`, g.Go)
	require.Len(t, g.Resolved, 1)
	assert.Equal(t, "img-src", g.Resolved[0].Directive)
	require.Len(t, g.Refused, 2)
	kinds := map[string]suggest.Refusal{}
	for _, r := range g.Refused {
		kinds[r.Kind] = r
	}
	require.Contains(t, kinds, "script-needs-nonce")
	assert.Contains(t, kinds["script-needs-nonce"].Instead, "csp.Script(src, integrity)", "the script needs the nonce on its tag")
	require.Contains(t, kinds, "inline-handler")
	assert.Equal(t, int64(2), kinds["inline-handler"].Count, "two clicks, one aggregate")
	assert.Contains(t, kinds["inline-handler"].Instead, "addEventListener")

	for _, tt := range []struct {
		name, body string
		status     int
	}{
		{"not JSON", "hello", http.StatusBadRequest},
		{"wrong shape", `{"reports": "x"}`, http.StatusBadRequest},
		{"too large", `{"reports": [` + strings.Repeat(`{"group":"learn"},`, 4000) + `{}]}`, http.StatusRequestEntityTooLarge},
		{"too many", `{"reports": [` + strings.Repeat(`{},`, 64) + `{}]}`, http.StatusRequestEntityTooLarge},
	} {
		rec := postSuggest(s, tt.body)
		assert.Equal(t, tt.status, rec.Code, tt.name)
	}
	rec = postSuggest(s, `{"reports": []}`)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "[]\n", rec.Body.String(), "no reports, nothing to suggest")
}
