package headers

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/internal/forwarded"
)

func TestHeaders(t *testing.T) {
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	tests := []struct {
		name   string
		set    Security
		tls    bool
		header string
		want   string
	}{
		{"nosniff", Default(), false, "X-Content-Type-Options", "nosniff"},
		{"referrer", Default(), false, "Referrer-Policy", "strict-origin-when-cross-origin"},
		{"permissions", Default(), false, "Permissions-Policy", Default().PermissionsPolicy},
		{"coop", Default(), false, "Cross-Origin-Opener-Policy", "same-origin"},
		{"corp", Default(), false, "Cross-Origin-Resource-Policy", "same-origin"},
		{"frame options", Default(), false, "X-Frame-Options", "DENY"},
		{"no HSTS over http", Default(), false, "Strict-Transport-Security", ""},
		{"HSTS over https", Default(), true, "Strict-Transport-Security", "max-age=63072000; includeSubDomains"},
		{"empty field sends nothing", func() Security { s := Default(); s.CrossOriginResourcePolicy = ""; return s }(), false, "Cross-Origin-Resource-Policy", ""},
		{"a group can loosen one header", func() Security { s := Default(); s.CrossOriginResourcePolicy = "cross-origin"; return s }(), false, "Cross-Origin-Resource-Policy", "cross-origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			rec := httptest.NewRecorder()
			tt.set.Middleware()(ok).ServeHTTP(rec, req)
			assert.Equal(t, tt.want, rec.Header().Get(tt.header))
			assert.LessOrEqual(t, len(rec.Header().Values(tt.header)), 1)
		})
	}
}

// TestHSTSBehindATLSProxy: over plain http from a proxy that terminates
// TLS (BEHIND_TLS_PROXY), the visitor is on https, so HSTS is sent. The
// scheme comes from package forwarded, the kit's one definition of it.
func TestHSTSBehindATLSProxy(t *testing.T) {
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	h := (&forwarded.Resolver{BehindTLSProxy: true}).Middleware(Default().Middleware()(ok))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, "max-age=63072000; includeSubDomains", rec.Header().Get("Strict-Transport-Security"))
}

func TestNestedGroupReplaces(t *testing.T) {
	inner := Default()
	inner.ReferrerPolicy = "no-referrer"
	h := Default().Middleware()(inner.Middleware()(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, []string{"no-referrer"}, rec.Header().Values("Referrer-Policy"))
}
