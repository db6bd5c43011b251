package csp

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var strict = New().
	Set(DefaultSrc, Self).
	Set(ScriptSrc, Nonce, StrictDynamic).
	Set(StyleSrc, Self, Nonce).
	Set(ObjectSrc, None).
	Set(BaseURI, None)

var noNonce = New().Set(DefaultSrc, None).Set(FrameAncestors, None)

var nonceRE = regexp.MustCompile(`'nonce-([^']+)'`)

// served records what the innermost handler saw.
type served struct {
	called bool
	nonce  string
}

func (s *served) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.called = true
		s.nonce = NonceFrom(r.Context())
		if s.nonce != templ.GetNonce(r.Context()) {
			panic("NonceFrom and templ disagree")
		}
	})
}

func serve(t *testing.T, h http.Handler, secure bool) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if secure {
		req.TLS = &tls.ConnectionState{}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func headerNonces(t *testing.T, v string) []string {
	t.Helper()
	var out []string
	for _, m := range nonceRE.FindAllStringSubmatch(v, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestHeadersAreExact(t *testing.T) {
	m := newQuietManager()
	var s served
	h := m.Middleware(Group{Name: "site", Enforce: strict})(s.handler())
	require.NoError(t, m.Err())

	rec := serve(t, h, false)
	require.True(t, s.called)
	n := s.nonce
	assert.Equal(t,
		"default-src 'self'; script-src 'nonce-"+n+"' 'strict-dynamic'; style-src 'self' 'nonce-"+n+"'; object-src 'none'; base-uri 'none'; report-uri /csp-report?group=site",
		rec.Header().Get(HeaderCSP))
	assert.Empty(t, rec.Header().Values(HeaderCSPReportOnly))
	assert.Empty(t, rec.Header().Values(HeaderReportingEndpoints), "Chromium ignores Reporting-Endpoints over http and then reports nothing")
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))

	rec = serve(t, h, true)
	n = s.nonce
	assert.Equal(t,
		"default-src 'self'; script-src 'nonce-"+n+"' 'strict-dynamic'; style-src 'self' 'nonce-"+n+"'; object-src 'none'; base-uri 'none'; report-uri /csp-report?group=site; report-to csp",
		rec.Header().Get(HeaderCSP))
	assert.Equal(t, `csp="/csp-report?group=site"`, rec.Header().Get(HeaderReportingEndpoints))
}

func TestNonceIsFreshRandomAndShared(t *testing.T) {
	m := NewManager()
	var s served
	h := m.Middleware(Group{Name: "site", Enforce: strict})(s.handler())
	seen := map[string]bool{}
	for range 100 {
		rec := serve(t, h, false)
		nonces := headerNonces(t, rec.Header().Get(HeaderCSP))
		require.Len(t, nonces, 2)
		assert.Equal(t, nonces[0], nonces[1], "one nonce per response")
		assert.Equal(t, s.nonce, nonces[0], "the header and the context carry the same nonce")
		raw, err := base64.StdEncoding.DecodeString(s.nonce)
		require.NoError(t, err)
		assert.Len(t, raw, NonceBytes)
		assert.False(t, seen[s.nonce], "nonce repeated")
		seen[s.nonce] = true
	}
}

func TestFailingRandomSourceServesNoPage(t *testing.T) {
	var logs bytes.Buffer
	m := NewManager()
	m.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	m.Rand = failingReader{}
	var s served
	h := m.Middleware(Group{Name: "site", Enforce: strict})(s.handler())

	rec := serve(t, h, false)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.False(t, s.called, "the page must not be served without a nonce")
	assert.Empty(t, rec.Header().Get(HeaderCSP))
	assert.Contains(t, logs.String(), "entropy exhausted")
	assert.Contains(t, logs.String(), "group=site")
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

func TestGroups(t *testing.T) {
	withOwnReport := strict.Set(ReportURI, "https://collector.example/r")
	tests := []struct {
		name       string
		groups     []Group // applied outermost first, like nested chi groups
		secure     bool
		enforce    string // "" means absent; {n} stands for the nonce
		reportOnly string
		noStore    bool
	}{
		{
			name:    "no nonce: no Cache-Control, header shared",
			groups:  []Group{{Name: "api", Enforce: noNonce}},
			enforce: "default-src 'none'; frame-ancestors 'none'; report-uri /csp-report?group=api",
		},
		{
			name:       "report-only alone",
			groups:     []Group{{Name: "ro", ReportOnly: strict}},
			reportOnly: "default-src 'self'; script-src 'nonce-{n}' 'strict-dynamic'; style-src 'self' 'nonce-{n}'; object-src 'none'; base-uri 'none'; report-uri /csp-report?group=ro",
			noStore:    true,
		},
		{
			name:       "both at once share one nonce",
			groups:     []Group{{Name: "both", Enforce: noNonce, ReportOnly: strict.Without(StyleSrc)}},
			enforce:    "default-src 'none'; frame-ancestors 'none'; report-uri /csp-report?group=both",
			reportOnly: "default-src 'self'; script-src 'nonce-{n}' 'strict-dynamic'; object-src 'none'; base-uri 'none'; report-uri /csp-report?group=both",
			noStore:    true,
		},
		{
			name:    "child extends parent: one enforced header, not two",
			groups:  []Group{{Name: "site", Enforce: strict}, {Name: "cdn", Enforce: strict.Add(ScriptSrc, "https://cdn.example")}},
			enforce: "default-src 'self'; script-src 'nonce-{n}' 'strict-dynamic' https://cdn.example; style-src 'self' 'nonce-{n}'; object-src 'none'; base-uri 'none'; report-uri /csp-report?group=cdn",
			noStore: true,
		},
		{
			name:       "child switches to report-only: the enforced header goes",
			groups:     []Group{{Name: "site", Enforce: strict}, {Name: "trial", ReportOnly: strict}},
			reportOnly: "default-src 'self'; script-src 'nonce-{n}' 'strict-dynamic'; style-src 'self' 'nonce-{n}'; object-src 'none'; base-uri 'none'; report-uri /csp-report?group=trial",
			noStore:    true,
		},
		{
			name:    "child replaces with a nonce-less policy",
			groups:  []Group{{Name: "site", Enforce: strict}, {Name: "api", Enforce: noNonce}},
			enforce: "default-src 'none'; frame-ancestors 'none'; report-uri /csp-report?group=api",
			noStore: true,
		},
		{
			name:    "child exempt: no policy at all",
			groups:  []Group{{Name: "site", Enforce: strict}, {Name: "legacy", Exempt: true}},
			noStore: true,
		},
		{
			name:    "own report-uri is kept",
			groups:  []Group{{Name: "site", Enforce: withOwnReport}},
			secure:  true,
			enforce: "default-src 'self'; script-src 'nonce-{n}' 'strict-dynamic'; style-src 'self' 'nonce-{n}'; object-src 'none'; base-uri 'none'; report-uri https://collector.example/r",
			noStore: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewManager()
			var s served
			var h http.Handler = s.handler()
			for i := len(tt.groups) - 1; i >= 0; i-- {
				h = m.Middleware(tt.groups[i])(h)
			}
			require.NoError(t, m.Err())
			rec := serve(t, h, tt.secure)
			require.True(t, s.called)
			hdr := rec.Header()
			fill := func(v string) string { return strings.ReplaceAll(v, "{n}", s.nonce) }
			assert.LessOrEqual(t, len(hdr.Values(HeaderCSP)), 1)
			assert.LessOrEqual(t, len(hdr.Values(HeaderCSPReportOnly)), 1)
			assert.Equal(t, fill(tt.enforce), hdr.Get(HeaderCSP))
			assert.Equal(t, fill(tt.reportOnly), hdr.Get(HeaderCSPReportOnly))
			if tt.noStore {
				assert.Equal(t, "no-store", hdr.Get("Cache-Control"))
				assert.NotEmpty(t, s.nonce)
			} else {
				assert.Empty(t, hdr.Get("Cache-Control"))
				assert.Empty(t, s.nonce)
			}
		})
	}
}

func TestNestedGroupsKeepOneNonce(t *testing.T) {
	m := NewManager()
	var s served
	h := m.Middleware(Group{Name: "site", Enforce: strict})(
		m.Middleware(Group{Name: "demo", Enforce: strict, ReportOnly: strict.Replace(ScriptSrc, Nonce)})(s.handler()))
	rec := serve(t, h, false)
	all := append(headerNonces(t, rec.Header().Get(HeaderCSP)), headerNonces(t, rec.Header().Get(HeaderCSPReportOnly))...)
	require.Len(t, all, 4)
	for _, n := range all {
		assert.Equal(t, s.nonce, n)
	}
}

func TestFrameOptionsFollowFrameAncestors(t *testing.T) {
	tests := []struct {
		ancestors []Source
		want      string
	}{
		{[]Source{None}, "DENY"},
		{[]Source{Self}, "SAMEORIGIN"},
		{[]Source{Self, "https://partner.example"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		p := New().Set(DefaultSrc, Self)
		if tt.ancestors != nil {
			p = p.Set(FrameAncestors, tt.ancestors...)
		}
		m := NewManager()
		var s served
		rec := serve(t, m.Middleware(Group{Name: "g", Enforce: p})(s.handler()), false)
		assert.Equal(t, tt.want, rec.Header().Get(headerFrameOptions), "%v", tt.ancestors)
	}
	// Over a site-wide default DENY: a partner list removes it, no
	// frame-ancestors leaves it.
	withDefault := func(p Policy) string {
		m := NewManager()
		var s served
		h := m.Middleware(Group{Name: "g", Enforce: p})(s.handler())
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		rec := httptest.NewRecorder()
		rec.Header().Set(headerFrameOptions, "DENY")
		h.ServeHTTP(rec, req)
		return rec.Header().Get(headerFrameOptions)
	}
	assert.Empty(t, withDefault(New().Set(DefaultSrc, Self).Set(FrameAncestors, "https://partner.example")))
	assert.Equal(t, "DENY", withDefault(New().Set(DefaultSrc, Self)))
	assert.Equal(t, "SAMEORIGIN", withDefault(New().Set(DefaultSrc, Self).Set(FrameAncestors, Self)))
	// Report-only frame-ancestors must not turn into an enforced X-Frame-Options.
	m := NewManager()
	var s served
	rec := serve(t, m.Middleware(Group{Name: "g", ReportOnly: strict.Set(FrameAncestors, None)})(s.handler()), false)
	assert.Empty(t, rec.Header().Get(headerFrameOptions))
}

// TestHTTPSFromTheApp: behind a proxy that terminates TLS, the app says
// which requests are https, and those get report-to.
func TestHTTPSFromTheApp(t *testing.T) {
	m := NewManager()
	m.HTTPS = func(*http.Request) bool { return true }
	var s served
	rec := serve(t, m.Middleware(Group{Name: "site", Enforce: noNonce})(s.handler()), false)
	assert.Contains(t, rec.Header().Get(HeaderCSP), "report-to csp")
	assert.Equal(t, `csp="/csp-report?group=site"`, rec.Header().Get(HeaderReportingEndpoints))
}

func TestInvalidGroupsStopStartUp(t *testing.T) {
	tests := []struct {
		name  string
		group Group
		want  string
	}{
		{"bad source", Group{Name: "site", Enforce: New().Set(DefaultSrc, Self).Set(ScriptSrc, "self")}, `csp group "site": enforce policy: script-src: "self": keyword must be quoted`},
		{"bad report-only", Group{Name: "ro", ReportOnly: New().Set(ScriptSrc, Self)}, `csp group "ro": report-only policy: default-src: missing`},
		{"no name", Group{Enforce: strict}, `csp group "": group name: want 1 to 64 letters`},
		{"name with space", Group{Name: "my group", Enforce: strict}, `csp group "my group": group name: want 1 to 64 letters`},
		{"name too long", Group{Name: strings.Repeat("g", MaxGroupNameLen+1), Enforce: strict}, "group name: want 1 to 64 letters"},
		{"nothing set", Group{Name: "empty"}, "set Enforce, ReportOnly or Exempt"},
		{"exempt with policy", Group{Name: "x", Exempt: true, Enforce: strict}, "cannot also set a policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewManager()
			var s served
			h := m.Middleware(tt.group)(s.handler())
			require.ErrorContains(t, m.Err(), tt.want)
			rec := serve(t, h, false)
			assert.Equal(t, http.StatusInternalServerError, rec.Code, "a server that ignores Err still serves no page")
			assert.False(t, s.called)
		})
	}
}

// TestBadReportPathStopsStartUp: ReportPath goes into every header, so a
// value that would add a directive (";") or break the Reporting-Endpoints
// quoting is a start-up error naming the setting, and no page is served.
func TestBadReportPathStopsStartUp(t *testing.T) {
	for _, path := range []string{"/r; script-src *", "/r x", `/r"x`, `/r\x`} {
		t.Run(path, func(t *testing.T) {
			m := NewManager()
			m.ReportPath = path
			var s served
			h := m.Middleware(Group{Name: "site", Enforce: strict})(s.handler())
			require.ErrorContains(t, m.Err(), fmt.Sprintf(`csp group "site": ReportPath %q: report-uri`, path))
			rec := serve(t, h, false)
			assert.Equal(t, http.StatusInternalServerError, rec.Code)
			assert.Empty(t, rec.Header().Get(HeaderCSP))
			assert.False(t, s.called)
		})
	}
	// A group with its own report-uri never uses ReportPath.
	m := NewManager()
	m.ReportPath = "/r x"
	m.Middleware(Group{Name: "own", Enforce: strict.Set(ReportURI, "/own")})
	assert.NoError(t, m.Err())
}

// TestValidGroupName: the names a group may have are exactly the names the
// report receiver keeps, so no group's reports are filed as "unknown".
func TestValidGroupName(t *testing.T) {
	for name, want := range map[string]bool{
		"site": true, "demo-report-only": true, "v1.2_beta+x": true, strings.Repeat("g", MaxGroupNameLen): true,
		"": false, "my group": false, "a/b": false, "a&b=c": false, "é": false, strings.Repeat("g", MaxGroupNameLen+1): false,
	} {
		assert.Equal(t, want, ValidGroupName(name), "%q", name)
	}
}

func TestGroupsAreListed(t *testing.T) {
	m := NewManager()
	m.Middleware(Group{Name: "a", Enforce: strict})
	m.Middleware(Group{Name: "b", Exempt: true})
	got := m.Groups()
	require.Len(t, got, 2)
	assert.Equal(t, "a", got[0].Name)
	assert.Equal(t, strict.String(), got[0].Enforce.String())
	assert.True(t, got[1].Exempt)
}

// TestGroupsShowSentPolicies: what package lint reviews is the policy as
// the header carries it, with the report-uri compile added (so a
// report-only group is not told it reports nowhere), and a policy that
// names its own report-uri keeps it alone.
func TestGroupsShowSentPolicies(t *testing.T) {
	m := NewManager()
	m.ReportPath = "http://reports.example/csp"
	m.Middleware(Group{Name: "site", Enforce: noNonce, ReportOnly: strict, Accept: "a test"})
	m.Middleware(Group{Name: "own", ReportOnly: strict.Set(ReportURI, "http://own.example/r")})
	m.Middleware(Group{Name: "open", Exempt: true})
	require.NoError(t, m.Err())

	added := Source("http://reports.example/csp?group=site")
	got := m.Groups()
	require.Len(t, got, 3)
	tests := []struct {
		accept              string
		enforce, reportOnly Policy
	}{
		{"a test", noNonce.Set(ReportURI, added), strict.Set(ReportURI, added)},
		{"", Policy{}, strict.Set(ReportURI, "http://own.example/r")},
		{"", Policy{}, Policy{}},
	}
	for i, tt := range tests {
		assert.Equal(t, tt.accept, got[i].Accept, got[i].Name)
		assert.Equal(t, tt.enforce.String(), got[i].SentEnforce.String(), got[i].Name)
		assert.Equal(t, tt.reportOnly.String(), got[i].SentReportOnly.String(), got[i].Name)
		assert.Equal(t, tt.enforce.IsZero(), got[i].SentEnforce.IsZero(), got[i].Name)
		assert.Equal(t, tt.reportOnly.IsZero(), got[i].SentReportOnly.IsZero(), got[i].Name)
	}
}

// TestNestedGroups proves the pieces fit the way a router nests groups
// (chi's r.Group and r.Route, or plain wrapping as here): the inner
// group's policy replaces the outer one's, and the response keeps the one
// nonce the outer group drew.
func TestNestedGroups(t *testing.T) {
	m := NewManager()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(NonceFrom(r.Context()))) })
	site := m.Middleware(Group{Name: "site", Enforce: strict})
	trial := m.Middleware(Group{Name: "trial", ReportOnly: strict})
	mux := http.NewServeMux()
	mux.Handle("/", site(ok))
	mux.Handle("/trial", site(trial(ok)))
	require.NoError(t, m.Err())
	for path, want := range map[string]string{"/": HeaderCSP, "/trial": HeaderCSPReportOnly} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		require.Equal(t, http.StatusOK, rec.Code, path)
		assert.Len(t, rec.Header(), 3, "%s: one policy header, Cache-Control and Content-Type: %v", path, rec.Header())
		assert.Equal(t, []string{rec.Body.String(), rec.Body.String()}, headerNonces(t, rec.Header().Get(want)), path)
	}
}

// newQuietManager is a Manager that logs nowhere.
func newQuietManager() *Manager {
	m := NewManager()
	m.Logger = slog.New(slog.DiscardHandler)
	return m
}
