package csp

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddReportParam(t *testing.T) {
	m := NewManager(slog.New(slog.DiscardHandler))
	tagged := func(value string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			require.NoError(t, m.AddReportParam(w, "view", value))
		})
	}
	both := m.Middleware(Group{Name: "both", Enforce: strict, ReportOnly: strict.Set(RequireTrustedTypesFor, "'script'")})
	static := m.Middleware(Group{Name: "static", Enforce: noNonce})
	own := m.Middleware(Group{Name: "own", Enforce: noNonce.Set(ReportURI, "/elsewhere?group=x")})
	require.NoError(t, m.Err())

	tests := []struct {
		name    string
		h       http.Handler
		secure  bool
		value   string
		headers map[string]string // header -> what it must contain; "" when absent
	}{
		{"enforce and report-only, http", both(tagged("abc")), false, "abc", map[string]string{
			HeaderCSP:                "; report-uri /csp-report?group=both&view=abc",
			HeaderCSPReportOnly:      "; report-uri /csp-report?group=both&view=abc",
			HeaderReportingEndpoints: "",
		}},
		{"https: report-uri and the endpoint", both(tagged("abc")), true, "abc", map[string]string{
			HeaderCSP:                "; report-uri /csp-report?group=both&view=abc; report-to csp",
			HeaderReportingEndpoints: `csp="/csp-report?group=both&view=abc"`,
		}},
		{"a value that would end the directive is escaped", static(tagged("a b;c,d\"e&f")), true, "", map[string]string{
			HeaderCSP:                "; report-uri /csp-report?group=static&view=a+b%3Bc%2Cd%22e%26f; report-to csp",
			HeaderReportingEndpoints: `csp="/csp-report?group=static&view=a+b%3Bc%2Cd%22e%26f"`,
		}},
		{"a policy's own report-uri is left alone", own(tagged("abc")), false, "", map[string]string{
			HeaderCSP: "report-uri /elsewhere?group=x",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, tt.h, tt.secure)
			for name, want := range tt.headers {
				got := rec.Header().Get(name)
				if want == "" {
					assert.Empty(t, got, name)
					continue
				}
				assert.Contains(t, got, want, name)
				assert.Equal(t, 1, strings.Count(got, "?group="), "%s: one report URL", name)
			}
			assert.NotContains(t, rec.Header().Get(HeaderCSP), "/elsewhere?group=x&view", "never someone else's URL")
		})
	}

	// A group without a nonce shares its header value between responses:
	// tagging one must not tag the next.
	serve(t, static(tagged("first")), false)
	rec := serve(t, static(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})), false)
	assert.NotContains(t, rec.Header().Get(HeaderCSP), "view=")

	for _, bad := range []string{"group", "", "View", "a b", "a=b", strings.Repeat("x", 33)} {
		rec := serve(t, static(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			assert.Error(t, m.AddReportParam(w, bad, "v"), "name %q", bad)
		})), false)
		assert.NotContains(t, rec.Header().Get(HeaderCSP), "=v", "a refused name changes nothing")
	}
}
