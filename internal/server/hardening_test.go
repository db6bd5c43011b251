package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/csptest"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/testsupport/servertest"
)

// TestErrorsAreKitPages: every status the kit answers itself is a nonced
// page under the site policy, never a bare Go error page and never a 5xx
// for bad input.
func TestErrorsAreKitPages(t *testing.T) {
	s := newTestServer(t, Options{})
	big := strings.Repeat("a", maxHeaderBytes)
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		title  string
	}{
		{"unknown path", func() *http.Request { return httptest.NewRequest("GET", "/nope", nil) }, 404, "Page not found"},
		{"wrong method", func() *http.Request { return httptest.NewRequest("DELETE", "/", nil) }, 405, "Method not allowed"},
		{"unknown method", func() *http.Request { return httptest.NewRequest("BREW", "/", nil) }, 405, "Method not allowed"},
		{"missing static file", func() *http.Request { return httptest.NewRequest("GET", "/static/js/nope.js", nil) }, 404, "Page not found"},
		{"static path escaping with ..", func() *http.Request { return httptest.NewRequest("GET", "/static/../go.mod", nil) }, 404, "Page not found"},
		{"static path escaping, encoded", func() *http.Request { return httptest.NewRequest("GET", "/static/..%2f..%2fgo.mod", nil) }, 404, "Page not found"},
		{"oversized header", func() *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("X-Big", big)
			return r
		}, 431, "Headers too large"},
		{"cross-site POST", func() *http.Request {
			r := httptest.NewRequest("POST", "/signout", strings.NewReader("x=1"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			return r
		}, 403, "Forbidden"},
		{"POST from another origin", func() *http.Request {
			r := httptest.NewRequest("POST", "http://example.com/signout", strings.NewReader("x=1"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Origin", "https://evil.example")
			return r
		}, 403, "Forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, tt.req())
			require.Equal(t, tt.status, rec.Code)
			assert.Contains(t, rec.Body.String(), "<h1>"+tt.title+"</h1>")
			assert.Contains(t, rec.Header().Get(csp.HeaderCSP), "report-uri /csp-report?group=site")
			csptest.AssertNonced(t, rec.Result())
		})
	}
}

func TestSameOriginReportPostsPass(t *testing.T) {
	s := newTestServer(t, Options{})
	// What Chromium sends: report-uri with Sec-Fetch-Site same-origin,
	// report-to with no Sec-Fetch-Site but an Origin matching the host, and
	// a frame refused by frame-ancestors cross-site from an opaque origin.
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "same-origin"},
		{"Origin": "http://example.com"},
		{"Sec-Fetch-Site": "cross-site", "Origin": "null"},
	} {
		r := httptest.NewRequest("POST", "http://example.com/csp-report?group=site", strings.NewReader(`{"csp-report":{"blocked-uri":"inline","effective-directive":"script-src-elem"}}`))
		r.Header.Set("Content-Type", "application/csp-report")
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		assert.Equal(t, http.StatusNoContent, rec.Code, "%v", hdr)
	}
}

func TestPanicGivesKitPageAndLogsStack(t *testing.T) {
	var logs bytes.Buffer
	s, err := New(slog.New(slog.NewTextHandler(&logs, nil)), config.Config{}, Options{})
	require.NoError(t, err)
	h := s.site(s.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Contains(t, rec.Body.String(), "Something went wrong")
	assert.Len(t, rec.Header().Values(csp.HeaderCSP), 1, "the error page replaces the group's header rather than adding one")
	csptest.AssertNonced(t, rec.Result())
	assert.Contains(t, logs.String(), "panic=boom")
	assert.Contains(t, logs.String(), "stack=")
}

func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	for _, rt := range servertest.Routes(t, s.Routes()) {
		resp := servertest.Serve(s, "http", rt)
		h := resp.Header
		name := rt.Method + " " + rt.Pattern
		assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"), name)
		assert.Equal(t, "strict-origin-when-cross-origin", h.Get("Referrer-Policy"), name)
		assert.Equal(t, "same-origin", h.Get("Cross-Origin-Opener-Policy"), name)
		if name == "POST /csp-report" {
			assert.Equal(t, "cross-origin", h.Get("Cross-Origin-Resource-Policy"), "%s: reports from refused frames come from an opaque origin", name)
		} else {
			assert.Equal(t, "same-origin", h.Get("Cross-Origin-Resource-Policy"), name)
		}
		assert.NotEmpty(t, h.Get("Permissions-Policy"), name)
		switch policy := h.Get(csp.HeaderCSP); {
		case strings.Contains(policy, "frame-ancestors 'none'"):
			assert.Equal(t, "DENY", h.Get("X-Frame-Options"), name)
		case strings.Contains(policy, "frame-ancestors 'self'"):
			assert.Equal(t, "SAMEORIGIN", h.Get("X-Frame-Options"), name)
		default:
			assert.Equal(t, "DENY", h.Get("X-Frame-Options"), "%s: the site-wide default", name)
		}
		assert.Empty(t, h.Get("Strict-Transport-Security"), "%s: no HSTS over http", name)
		assert.NotEmpty(t, servertest.Serve(s, "https", rt).Header.Get("Strict-Transport-Security"), "%s: HSTS over https", name)
	}
}
