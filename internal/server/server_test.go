package server

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/session"
	"github.com/noncekit/noncekit/internal/testsupport/servertest"
	"github.com/noncekit/noncekit/static"
)

// recordingSink keeps every batch the receiver accepted.
type recordingSink struct {
	mu      sync.Mutex
	batches []report.Batch
}

func (s *recordingSink) Add(_ context.Context, b report.Batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, b)
}

// The test accounts: Ada is a user, Olive an operator.
const (
	testEmail        = "ada@example.com"
	testPassword     = "correct horse battery"
	operatorEmail    = "olive@example.com"
	operatorPassword = "operator staple battery"
)

// testStore is the accounts of db hashed at bcrypt's minimum cost: the
// suite signs in hundreds of times, and at the kit's cost (10, tested in
// internal/account) bcrypt took 95% of its CPU time.
func testStore(db *sql.DB) *account.Store {
	st := account.NewStore(db)
	st.Cost = bcrypt.MinCost
	return st
}

// testAccounts is the accounts of db (a new database when nil), holding
// the two test accounts. On a database that has them already (a restart)
// it adds nothing: the first account of a new database always gets id 1,
// so two databases set up alike agree on ids.
func testAccounts(t *testing.T, db *sql.DB) *account.Directory {
	t.Helper()
	if db == nil {
		db = openTestDB(t, t.TempDir())
	}
	st := testStore(db)
	for _, a := range []account.NewAccount{
		{Email: testEmail, Name: "Ada", Role: account.RoleUser, Password: testPassword},
		{Email: operatorEmail, Name: "Olive", Role: account.RoleOperator, Password: operatorPassword},
	} {
		if _, err := st.Create(context.Background(), a); err != nil && !errors.Is(err, account.ErrEmailTaken) {
			require.NoError(t, err)
		}
	}
	return account.NewDirectory(st)
}

// newTestServer is the skeleton alone: config.Config's zero value leaves
// the showcase unmounted (internal/showcase tests the two together). Its
// warnings and errors go to the test's log, shown when the test fails.
func newTestServer(t *testing.T, o Options) *Server {
	t.Helper()
	s, err := New(servertest.Logger(t), config.Config{Addr: "localhost:0"}, o)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func get(t testing.TB, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	return getAs(t, h, path, nil)
}

// getAs is get with a session cookie (nil: none).
func getAs(t testing.TB, h http.Handler, path string, c *http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if c != nil {
		req.AddCookie(c)
	}
	h.ServeHTTP(rec, req)
	return rec
}

// signInCookie signs in through the real form and returns the session
// cookie that proves it.
func signInCookie(t *testing.T, h http.Handler, email, password string) *http.Cookie {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "/account", rec.Header().Get("Location"), "signed in as %s", email)
	for _, c := range rec.Result().Cookies() {
		if c.Name == session.CookieName {
			return c
		}
	}
	t.Fatal("sign-in set no session cookie")
	return nil
}

// newOperatorServer is the skeleton with the test accounts, and the
// session cookie of the operator signed in.
func newOperatorServer(t *testing.T) (*Server, *http.Cookie) {
	t.Helper()
	s := newTestServer(t, Options{Accounts: testAccounts(t, nil)})
	return s, signInCookie(t, s, operatorEmail, operatorPassword)
}

var (
	headerNonceRE = regexp.MustCompile(`'nonce-([A-Za-z0-9+/=_-]+)'`)
	tagRE         = regexp.MustCompile(`<(script|style|link)\b[^>]*>`)
	nonceAttrRE   = regexp.MustCompile(`\snonce="([^"]*)"`)
)

const sitePolicyHeader = "default-src 'self'; script-src 'nonce-{n}' 'strict-dynamic'; style-src 'self' 'nonce-{n}'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; report-uri /csp-report?group="

func TestEachGroupSendsItsOwnPolicy(t *testing.T) {
	s := newTestServer(t, Options{})
	tests := []struct {
		path       string
		status     int
		enforce    string // {n} is the response's nonce
		reportOnly string
		noStore    bool // nonced pages, and the API (see noStore)
	}{
		{"/", 200, sitePolicyHeader + "site", "", true},
		{"/reports", 303, sitePolicyHeader + "site", "", true}, // anonymous: sent to sign in
		{"/no-such-page", 404, sitePolicyHeader + "site", "", true},
		{"/api/policies", 200, "default-src 'none'; frame-ancestors 'none'; report-uri /csp-report?group=api", "", true},
		{"/healthz", 200, "default-src 'none'; frame-ancestors 'none'; report-uri /csp-report?group=api", "", true},
		{static.Path("css/app.css"), 200, "default-src 'none'; frame-ancestors 'none'; report-uri /csp-report?group=static", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, s, tt.path)
			require.Equal(t, tt.status, rec.Code)
			h := rec.Header()
			nonce := ""
			if m := headerNonceRE.FindStringSubmatch(h.Get(csp.HeaderCSP) + h.Get(csp.HeaderCSPReportOnly)); m != nil {
				nonce = m[1]
			}
			fill := func(v string) string { return strings.ReplaceAll(v, "{n}", nonce) }
			assert.Equal(t, fill(tt.enforce), h.Get(csp.HeaderCSP))
			assert.Equal(t, fill(tt.reportOnly), h.Get(csp.HeaderCSPReportOnly))
			assert.LessOrEqual(t, len(h.Values(csp.HeaderCSP))+len(h.Values(csp.HeaderCSPReportOnly)), 1, "one policy header per response here")
			if tt.noStore {
				assert.Equal(t, "no-store", h.Get("Cache-Control"))
				assert.Empty(t, h.Get("ETag"))
				assert.Empty(t, h.Get("Last-Modified"))
			} else {
				assert.NotEqual(t, "no-store", h.Get("Cache-Control"))
			}
		})
	}
}

// TestEveryTagCarriesTheHeaderNonce is the kit's first promise: the nonce in
// the header is on every script, style and stylesheet link the kit renders.
func TestEveryTagCarriesTheHeaderNonce(t *testing.T) {
	s, op := newOperatorServer(t)
	for _, path := range []string{"/", "/missing", "/reports", "/signin", "/account"} {
		t.Run(path, func(t *testing.T) {
			c := op
			if path == "/signin" {
				c = nil // signed in, it redirects
			}
			rec := getAs(t, s, path, c)
			h := rec.Header()
			m := headerNonceRE.FindStringSubmatch(h.Get(csp.HeaderCSP) + h.Get(csp.HeaderCSPReportOnly))
			require.NotNil(t, m, "a page without a nonce in its header")
			tags := tagRE.FindAllString(rec.Body.String(), -1)
			require.NotEmpty(t, tags)
			missing := 0
			for _, tag := range tags {
				if strings.HasPrefix(tag, "<link") && !strings.Contains(tag, `rel="stylesheet"`) {
					continue
				}
				n := nonceAttrRE.FindStringSubmatch(tag)
				if n == nil {
					missing++
					continue
				}
				assert.Equal(t, m[1], n[1], "nonce on %s", tag)
			}
			assert.Zero(t, missing, "un-nonced tags on %s", path)
		})
	}
}

func TestTwoRequestsTwoNonces(t *testing.T) {
	s := newTestServer(t, Options{})
	a := headerNonceRE.FindStringSubmatch(get(t, s, "/").Header().Get(csp.HeaderCSP))
	b := headerNonceRE.FindStringSubmatch(get(t, s, "/").Header().Get(csp.HeaderCSP))
	require.NotNil(t, a)
	require.NotNil(t, b)
	assert.NotEqual(t, a[1], b[1])
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestFailingRandomSourceGives500(t *testing.T) {
	s := newTestServer(t, Options{NonceSource: failingReader{}})
	for _, path := range []string{"/", "/reports", "/missing"} {
		rec := get(t, s, path)
		assert.Equal(t, http.StatusInternalServerError, rec.Code, path)
		assert.NotContains(t, rec.Body.String(), "<html", path)
		assert.Empty(t, rec.Header().Get(csp.HeaderCSP), path)
	}
	// Nonce-less groups do not need the random source.
	assert.Equal(t, http.StatusOK, get(t, s, "/healthz").Code)
}

func TestReportReceiver(t *testing.T) {
	sink := &recordingSink{}
	s := newTestServer(t, Options{Sink: sink})
	post := func(ctype, body string) int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/csp-report?group=demo", strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		s.ServeHTTP(rec, req)
		return rec.Code
	}
	reportURI := `{"csp-report":{"document-uri":"http://localhost/demo","violated-directive":"script-src-elem","effective-directive":"script-src-elem","original-policy":"x","disposition":"enforce","blocked-uri":"inline","line-number":2,"column-number":9,"source-file":"http://localhost/demo","status-code":200,"script-sample":""}}`
	reportTo := `[{"type":"csp-violation","age":1,"url":"https://localhost/demo","user_agent":"ua","body":{"documentURL":"https://localhost/demo","blockedURL":"inline","effectiveDirective":"script-src-elem","disposition":"report","sample":""}}]`

	tests := []struct {
		name, ctype, body string
		want              int
	}{
		{"report-uri", "application/csp-report", reportURI, http.StatusNoContent},
		{"report-to", "application/reports+json", reportTo, http.StatusNoContent},
		{"plain json", "application/json", reportURI, http.StatusNoContent},
		{"too large", "application/csp-report", `{"csp-report":{"x":"` + strings.Repeat("a", 65<<10) + `"}}`, http.StatusRequestEntityTooLarge},
		{"malformed", "application/csp-report", "{not json", http.StatusBadRequest},
		{"wrong type", "text/plain", reportURI, http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, post(tt.ctype, tt.body), tt.name)
	}
	require.Len(t, sink.batches, 3)
	v := sink.batches[1].Violations[0]
	assert.Equal(t, "demo", v.Group)
	assert.Equal(t, "report", v.Disposition)
	assert.Equal(t, "script-src-elem", v.EffectiveDirective)

	rec := get(t, s, "/csp-report")
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code, "GET on the receiver")
	assert.Contains(t, rec.Body.String(), "Method not allowed")
}

func TestHealthz(t *testing.T) {
	rec := get(t, newTestServer(t, Options{}), "/healthz")
	assert.Equal(t, http.StatusOK, rec.Code)
	body, _ := io.ReadAll(rec.Body)
	assert.Equal(t, "ok\n", string(body))
}

func TestPoliciesAPIListsEveryGroup(t *testing.T) {
	rec := get(t, newTestServer(t, Options{}), "/api/policies")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	for _, g := range []string{`"site"`, `"api"`, `"stream"`, `"static"`} {
		assert.Contains(t, rec.Body.String(), `"group": `+g)
	}
}

// TestInvalidPolicyStopsStartUp: a mistake in a route group's policy is a
// start-up error naming the group, the directive and the value.
func TestInvalidPolicyStopsStartUp(t *testing.T) {
	t.Parallel()
	bad := Policies{Site: DefaultPolicies().Site.Add(csp.ImgSrc, "self")}
	_, err := New(slog.New(slog.DiscardHandler), config.Config{}, Options{Policies: bad})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `csp group "site"`)
	assert.Contains(t, err.Error(), `img-src: "self": keyword must be quoted: write 'self'`)
}

// queueWriters counts the goroutines running a report queue's writer.
func queueWriters(t *testing.T) int {
	var b strings.Builder
	require.NoError(t, pprof.Lookup("goroutine").WriteTo(&b, 1))
	return strings.Count(b.String(), "internal/reports.(*Queue).run")
}

// TestFailedStartReleasesWhatItOpened: by the time a policy stops the
// start, New has started the report queue's writer. It must stop it rather
// than leave it running behind a server nobody can Close. (Not parallel:
// it counts goroutines.)
func TestFailedStartReleasesWhatItOpened(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, t.TempDir())
	before := queueWriters(t)
	bad := Policies{Site: DefaultPolicies().Site.Add(csp.ImgSrc, "self")}
	_, err := New(slog.New(slog.DiscardHandler), config.Config{}, Options{Policies: bad, DB: db, Reports: store.New(db, store.Options{})})
	require.Error(t, err)
	assert.NoError(t, db.PingContext(ctx), "the database is its owner's to close, after the server")
	require.Eventually(t, func() bool { return queueWriters(t) == before }, 5*time.Second, 5*time.Millisecond,
		"the queue's writer outlived the failed start")
}

// TestPolicyLintAtStartUp: the kit's own policies have no High finding; a
// weak policy is logged as a warning and listed by PolicyRisks, naming
// group and finding, which the deploy checks make an error that stops a
// production start (cmd/noncekit, package deploycheck).
func TestPolicyLintAtStartUp(t *testing.T) {
	t.Parallel()
	var startLog bytes.Buffer
	s, err := New(slog.New(slog.NewTextHandler(&startLog, nil)), config.Config{Production: true}, Options{})
	require.NoError(t, err)
	assert.Empty(t, s.PolicyRisks(), "the kit's own policies must lint clean enough for production")
	assert.NotContains(t, startLog.String(), "csp lint", "a fresh start warns about nothing")

	weak := Options{Policies: Policies{Site: DefaultPolicies().Site.Replace(csp.ScriptSrc, csp.Self, csp.UnsafeInline)}}
	var logs bytes.Buffer
	s, err = New(slog.New(slog.NewTextHandler(&logs, nil)), config.Config{}, weak)
	require.NoError(t, err, "New only warns")
	assert.Contains(t, logs.String(), "level=WARN msg=\"csp lint\" group=site")
	assert.Contains(t, logs.String(), "HIGH script-src 'unsafe-inline'")
	// Every group derived from the site policy inherits the risk: the
	// site's own is among them (a clone adds groups of its own).
	require.NotEmpty(t, s.PolicyRisks())
	assert.Contains(t, s.PolicyRisks()[0], `group "site": HIGH script-src 'unsafe-inline'`)
}
