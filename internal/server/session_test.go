package server

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/csptest"
	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
)

// instance is the kit on a real listener, as a browser would reach it.
type instance struct {
	srv *Server
	ts  *httptest.Server
}

// startInstance serves New(cfg, o), with the test account, over http, or https when tls; the
// server and listener close when the test ends (or earlier with stop).
func startInstance(t *testing.T, cfg config.Config, tls bool, o Options) *instance {
	t.Helper()
	if o.Accounts == nil {
		o.Accounts = testAccounts(t, o.DB)
	}
	s, err := New(slog.New(slog.DiscardHandler), cfg, o)
	require.NoError(t, err)
	in := &instance{srv: s}
	if tls {
		in.ts = httptest.NewTLSServer(s)
	} else {
		in.ts = httptest.NewServer(s)
	}
	t.Cleanup(in.stop)
	return in
}

func (in *instance) stop() {
	in.ts.Close()
	_ = in.srv.Close(context.Background())
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so each test sees the 303s themselves.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T, transport http.RoundTripper) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, c: &http.Client{
		Jar:           jar,
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is a response with its body read.
type page struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	resp.Body = io.NopCloser(bytes.NewReader(body)) // for csptest
	return page{resp, string(body)}
}

func (b *browser) get(u string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(b.t, err)
	return b.do(req)
}

// post sends a form the way a browser does from one of the kit's pages.
func (b *browser) post(base, path string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

func (b *browser) signIn(base, email, password string) page {
	b.t.Helper()
	return b.post(base, "/signin", url.Values{"email": {email}, "password": {password}})
}

// cookie is the session cookie the jar holds for base, or nil.
func (b *browser) cookie(base, name string) *http.Cookie {
	u, _ := url.Parse(base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

var flashRE = regexp.MustCompile(`<p class="flash" role="status">([^<]*)</p>`)

// flash is the flash message a page shows, or "".
func flash(p page) string {
	if m := flashRE.FindStringSubmatch(p.body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

func assertRedirect(t *testing.T, p page, to string) {
	t.Helper()
	assert.Equal(t, http.StatusSeeOther, p.StatusCode, "want a 303")
	assert.Equal(t, to, p.Header.Get("Location"))
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    config.Config
		tls    bool
		cookie string
		device string
		secure bool
	}{
		{"http", config.Config{}, false, "session", "device", false},
		{"https behind a proxy", config.Config{BehindTLSProxy: true}, false, "__Host-session", "__Secure-device", true},
		{"https", config.Config{BehindTLSProxy: true}, true, "__Host-session", "__Secure-device", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := startInstance(t, tt.cfg, tt.tls, Options{})
			b := newBrowser(t, in.ts.Client().Transport)
			p := b.signIn(in.ts.URL, testEmail, testPassword)
			assertRedirect(t, p, "/account")
			cookies := p.Cookies()
			require.Len(t, cookies, 2, "the session's and the device's")
			c := cookieNamed(t, cookies, tt.cookie)
			assert.Equal(t, tt.secure, c.Secure, "Secure")
			assert.True(t, c.HttpOnly, "HttpOnly")
			assert.Equal(t, http.SameSiteLaxMode, c.SameSite, "SameSite")
			assert.Equal(t, "/", c.Path, "Path")
			assert.Empty(t, c.Domain, "Domain")
			assert.Positive(t, c.MaxAge, "persisted across browser restarts")

			// The device cookie goes to the sign-in form's routes only.
			d := cookieNamed(t, cookies, tt.device)
			assert.Equal(t, tt.secure, d.Secure, "Secure")
			assert.True(t, d.HttpOnly, "HttpOnly")
			assert.Equal(t, http.SameSiteStrictMode, d.SameSite, "SameSite")
			assert.Equal(t, "/signin", d.Path, "Path")
			assert.Empty(t, d.Domain, "Domain")
			assert.Positive(t, d.MaxAge)
		})
	}
}

// cookieNamed is the cookie of that name among cookies.
func cookieNamed(t *testing.T, cookies []*http.Cookie, name string) *http.Cookie {
	t.Helper()
	for _, c := range cookies {
		if c.Name == name {
			return c
		}
	}
	require.Failf(t, "no such cookie", "%s among %v", name, cookies)
	return nil
}

func TestSignInFlow(t *testing.T) {
	t.Parallel()
	in := startInstance(t, config.Config{}, false, Options{DB: openTestDB(t, t.TempDir())})
	base := in.ts.URL
	b := newBrowser(t, nil)

	// Signed out, the account page sends you to sign in, saying why in the
	// URL: an anonymous visitor gets no session.
	p := b.get(base + "/account")
	assertRedirect(t, p, "/signin?notice=signin")
	p = b.get(base + p.Header.Get("Location"))
	require.Equal(t, http.StatusOK, p.StatusCode)
	assert.Equal(t, "Please sign in to see that page.", flash(p))
	csptest.AssertNonced(t, p.Response)
	assert.Empty(t, flash(b.get(base+"/signin")), "without a notice, the form says nothing")
	assert.Empty(t, flash(b.get(base+"/signin?notice=%3Cscript%3Ealert(1)%3C/script%3E")), "only the kit's own notices are shown")
	assert.Nil(t, b.cookie(base, "session"), "no session for an anonymous visitor")

	// A wrong password and an unknown email read the same, and store nothing.
	var refusals []string
	for _, creds := range [][2]string{{testEmail, "wrong"}, {"nobody@example.com", testPassword}} {
		p := b.signIn(base, creds[0], creds[1])
		assertRedirect(t, p, "/signin?notice=invalid")
		refusals = append(refusals, flash(b.get(base+p.Header.Get("Location"))))
	}
	assert.Equal(t, []string{account.InvalidMessage, account.InvalidMessage}, refusals)
	assert.Nil(t, b.cookie(base, "session"), "a refused sign-in stores no session")

	// A token planted before sign-in (session fixation) is replaced.
	const planted = "planted-token-0123456789abcdefghijklmnop"
	u, _ := url.Parse(base)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: planted}})

	// Signing in lands on the account page with a new token.
	assertRedirect(t, b.signIn(base, testEmail, testPassword), "/account")
	signedIn := b.cookie(base, "session")
	require.NotNil(t, signedIn)
	assert.NotEqual(t, planted, signedIn.Value, "sign-in must renew the session token")
	p = b.get(base + "/account")
	require.Equal(t, http.StatusOK, p.StatusCode)
	assert.Equal(t, "Signed in as "+testEmail+".", flash(p))
	assert.Contains(t, p.body, "<dd>"+testEmail+"</dd>")
	assert.Contains(t, p.body, `<dd data-role="user">user</dd>`, "the account page shows the role")
	assert.NotContains(t, p.body, `href="/reports"`+">the violation reports", "a user is not offered the reports")
	assert.Contains(t, p.Header.Values("Vary"), "Cookie")
	assert.Contains(t, p.Header.Get("Cache-Control"), "no-store")
	csptest.AssertNonced(t, p.Response)
	assertRedirect(t, b.get(base+"/signin"), "/account")

	// The planted token is worth nothing.
	fixated := newBrowser(t, nil)
	fixated.c.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: planted}})
	assertRedirect(t, fixated.get(base+"/account"), "/signin?notice=signin")

	// Signing out ends the session: the cookie goes, and access with it.
	p = b.post(base, "/signout", nil)
	assertRedirect(t, p, "/signin?notice=signed-out")
	assert.Nil(t, b.cookie(base, "session"), "sign-out drops the cookie")
	assert.Equal(t, "You are signed out.", flash(b.get(base+p.Header.Get("Location"))))
	assertRedirect(t, b.get(base+"/account"), "/signin?notice=signin")

	// The old signed-in token is dead too.
	stolen := newBrowser(t, nil)
	stolen.c.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: signedIn.Value}})
	assertRedirect(t, stolen.get(base+"/account"), "/signin?notice=signin")
}

// TestRestartKeepsUsersSignedIn: sessions live in $DATA_DIR/noncekit.db,
// so a new process on the same directory knows the same sessions.
func TestRestartKeepsUsersSignedIn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := newBrowser(t, nil)

	db, _, err := database.Open(context.Background(), config.Config{DataDir: dir})
	require.NoError(t, err)
	first := startInstance(t, config.Config{}, false, Options{DB: db})
	assertRedirect(t, b.signIn(first.ts.URL, testEmail, testPassword), "/account")
	first.stop()
	require.NoError(t, db.Close())
	assert.FileExists(t, filepath.Join(dir, database.FileName))

	second := startInstance(t, config.Config{}, false, Options{DB: openTestDB(t, dir)})
	// The jar keys cookies by host, not port: the new listener gets the cookie.
	p := b.get(second.ts.URL + "/account")
	require.Equal(t, http.StatusOK, p.StatusCode, "still signed in after a restart")
	assert.Contains(t, p.body, testEmail)
}

func TestSignInFormErrors(t *testing.T) {
	s := newTestServer(t, Options{})
	form := func(body string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	creds := url.Values{"email": {testEmail}, "password": {testPassword}}.Encode()
	tests := []struct {
		name   string
		req    *http.Request
		status int
		title  string
	}{
		{"oversized form", form("email=" + strings.Repeat("a", maxFormBytes) + "&password=x"), 413, "Too large"},
		{"malformed form", form("email=%zz"), 400, "Bad request"},
		{"cross-site POST", func() *http.Request {
			r := form(creds)
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			return r
		}(), 403, "Forbidden"},
		{"POST from another origin", func() *http.Request {
			r := form(creds)
			r.Header.Set("Origin", "https://evil.example")
			return r
		}(), 403, "Forbidden"},
		{"sign-out from another site", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/signout", nil)
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			return r
		}(), 403, "Forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, tt.req)
			require.Equal(t, tt.status, rec.Code)
			assert.Contains(t, rec.Body.String(), "<h1>"+tt.title+"</h1>")
			assert.Empty(t, rec.Result().Cookies(), "no session is started or changed")
			csptest.AssertNonced(t, rec.Result())
		})
	}
}
