package showcase_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	views "github.com/noncekit/noncekit/views/showcase"
)

// labClient talks to a real test server with a cookie jar, as a browser
// would, and never follows redirects, so tests see the 303.
type labClient struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func newLabClient(t *testing.T) *labClient {
	t.Helper()
	srv := httptest.NewServer(newTestServer(t))
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &labClient{t: t, srv: srv, c: c}
}

func (l *labClient) do(req *http.Request) (*http.Response, string) {
	l.t.Helper()
	res, err := l.c.Do(req)
	require.NoError(l.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(l.t, err)
	return res, string(b)
}

func (l *labClient) get(path string) (*http.Response, string) {
	req, err := http.NewRequest(http.MethodGet, l.srv.URL+path, nil)
	require.NoError(l.t, err)
	return l.do(req)
}

// post submits the lab form; header pairs are set on the request.
func (l *labClient) post(policy string, header ...string) (*http.Response, string) {
	return l.postBody(url.Values{"policy": {policy}}.Encode(), header...)
}

func (l *labClient) postBody(body string, header ...string) (*http.Response, string) {
	req, err := http.NewRequest(http.MethodPost, l.srv.URL+"/lab", strings.NewReader(body))
	require.NoError(l.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return l.do(req)
}

// previewPolicy returns the preview's header with its nonce put back as
// the slot, so it compares with the stored policy.
func (l *labClient) previewPolicy() string {
	res, body := l.get("/lab/preview")
	require.Equal(l.t, http.StatusOK, res.StatusCode)
	h := res.Header.Get(csp.HeaderCSP)
	require.NotEmpty(l.t, h)
	require.Contains(l.t, body, "data-lab-preview")
	if m := headerNonceRE.FindStringSubmatch(h); m != nil {
		assert.Contains(l.t, body, `nonce="`+m[1]+`"`, "the preview's nonced probe carries the header's nonce")
		h = strings.ReplaceAll(h, m[1], csp.NoncePlaceholder)
	}
	return h
}

func TestLabFlow(t *testing.T) {
	l := newLabClient(t)

	// Before any POST: the default policy.
	assert.Equal(t, views.DefaultLabPolicy, l.previewPolicy())

	// A valid policy: 303 to /lab, kept in the session, shown and served.
	const policy = "default-src 'self'; script-src 'nonce-{nonce}'; frame-ancestors 'self'"
	res, _ := l.post(policy)
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/lab", res.Header.Get("Location"))
	res, body := l.get("/lab")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Content-Security-Policy: default-src &#39;self&#39;; script-src &#39;nonce-{nonce}&#39;")
	assert.Contains(t, body, `src="/lab/preview"`)
	assert.Contains(t, body, "object-src is not set", "lint findings are listed")
	assert.Equal(t, policy, l.previewPolicy())

	// An invalid policy: 400 page with the error, nothing saved.
	res, body = l.post("default-src 'self'; script-src self")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, `id="lab-error"`)
	assert.Contains(t, body, "keyword must be quoted")
	assert.Contains(t, body, "script-src self</textarea>", "the text is shown back to fix")
	assert.Equal(t, policy, l.previewPolicy())

	// Another browser has its own session.
	assert.Equal(t, views.DefaultLabPolicy, newLabClient(t).previewPolicy())
}

func TestLabPreviewHeaders(t *testing.T) {
	l := newLabClient(t)
	res, _ := l.get("/lab/preview")
	assert.Equal(t, "SAMEORIGIN", res.Header.Get("X-Frame-Options"), "framing falls back to this site when the policy is silent")
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	assert.Empty(t, res.Header.Get(csp.HeaderCSPReportOnly))
	assert.NotContains(t, res.Header.Get(csp.HeaderCSP), "report-uri", "exactly the learner's policy")

	res, _ = l.get("/lab/object")
	assert.Equal(t, "default-src 'none'; frame-ancestors 'self'; report-uri /csp-report?group=lab-object", res.Header.Get(csp.HeaderCSP))

	// The learner's policy never leaks into the kit's own views.
	l.post("default-src * 'unsafe-inline' 'unsafe-eval'")
	for _, path := range []string{"/lab", "/", "/demo"} {
		res, _ := l.get(path)
		assert.NotContains(t, res.Header.Get(csp.HeaderCSP), "unsafe", path)
	}
}

func TestLabRefusesCrossOriginPosts(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		status int
	}{
		{"same-origin", []string{"Sec-Fetch-Site", "same-origin"}, http.StatusSeeOther},
		{"typed in the address bar", []string{"Sec-Fetch-Site", "none"}, http.StatusSeeOther},
		{"cross-site", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"same-site", []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{"old browser, foreign Origin", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLabClient(t)
			res, body := l.post("default-src 'none'", tt.header...)
			assert.Equal(t, tt.status, res.StatusCode)
			if tt.status == http.StatusForbidden {
				assert.Contains(t, body, "it came from another site")
				assert.NotEmpty(t, res.Header.Get(csp.HeaderCSP), "the refusal is a page under the lab's policy")
				assert.Equal(t, views.DefaultLabPolicy, l.previewPolicy(), "nothing saved")
			}
		})
	}
}

// TestLabSurvivesHostilePolicies posts what an attacker or a confused
// learner might, and checks that the answer is a clear 4xx or a 303, never
// a 5xx, and that the preview's header only ever holds a valid policy.
func TestLabSurvivesHostilePolicies(t *testing.T) {
	big := "default-src " + strings.Repeat("a.example ", 900) // ~9 KB: under the body limit, over MaxPolicyLen
	tests := []struct {
		name   string
		body   string // the raw form body
		status int
		msg    string // in the page
	}{
		{"CRLF header injection", form("default-src 'self'\r\nSet-Cookie: evil=1"), 400, "line break"},
		{"LF header injection", form("default-src 'self'\nX-Evil: 1"), 400, "line break"},
		{"CR alone", form("default-src 'self'\rX-Evil: 1"), 400, "line break"},
		{"NUL", form("default-src 'self' \x00"), 400, "control character"},
		{"50 KB", form(strings.Repeat("a", 50<<10)), 413, "Policy too large"},
		{"9 KB policy", form(big), 400, "the limit is 8192"},
		{"non-ASCII host", form("default-src 'self' exämple.com"), 400, "non-ASCII"},
		{"non-ASCII directive", form("défault-src 'self'"), 400, "non-ASCII"},
		{"right-to-left override", form("default-src 'self' \u202e'none'"), 400, "non-ASCII"},
		{"comma: a second policy", form("default-src 'self', script-src *"), 400, "two policies"},
		{"comma inside a source", form("default-src a,b"), 400, "two policies"},
		{"semicolons only", form(";;; ;"), 400, "no directives"},
		{"duplicate directive", form("default-src 'self'; default-src *"), 400, "duplicate"},
		{"unterminated quote", form("default-src 'self"), 400, "unterminated quote"},
		{"unknown directive", form("default-src 'self'; evil-src *"), 400, "unknown directive"},
		{"markup in the policy", form("default-src </textarea><script>alert(1)</script>"), 400, "default-src"},
		{"empty", form("   "), 400, "empty"},
		{"no field", "", 400, "empty"},
		{"bad form encoding", "policy=%zz", 400, "could not be read"},
		{"stray semicolons are fine", form("default-src 'self';;; script-src 'none';"), 303, ""},
		{"upper-case directive is fine", form("DEFAULT-SRC 'self'"), 303, ""},
		{"no default-src is fine: the linter says why", form("script-src 'nonce-{nonce}'"), 303, ""},
	}
	l := newLabClient(t)
	want := views.DefaultLabPolicy
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := l.postBody(tt.body)
			assert.Equal(t, tt.status, res.StatusCode)
			assert.Less(t, res.StatusCode, 500)
			assert.NotContains(t, res.Header.Get("Set-Cookie"), "evil")
			assert.Empty(t, res.Header.Get("X-Evil"))
			assert.NotContains(t, body, "<script>alert(1)", "the learner's text is escaped")
			if tt.msg != "" {
				assert.Contains(t, body, tt.msg)
			}
			if tt.status == http.StatusSeeOther {
				v, _ := url.ParseQuery(tt.body)
				p, err := csp.ParseLenient(v.Get("policy"))
				require.NoError(t, err)
				want = p.String()
			}
			got := l.previewPolicy()
			assert.Equal(t, want, got, "the preview holds the last valid policy")
			_, err := csp.ParseLenient(got)
			assert.NoError(t, err)
		})
	}
}

func form(policy string) string { return url.Values{"policy": {policy}}.Encode() }
