package e2e_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

// TestReportViolations checks that a report reads the same in both formats
// Chromium sends (bodies as measured with Chromium 156), so a test's match
// does not depend on the scheme.
func TestReportViolations(t *testing.T) {
	want := chromium.Violation{DocumentURL: "http://127.0.0.1:1/demo", Directive: "script-src-elem", Blocked: "inline", Disposition: "enforce"}
	tests := []struct {
		name        string
		contentType string
		body        string
		want        []chromium.Violation
		wantErr     bool
	}{
		{"report-uri", "application/csp-report",
			`{"csp-report":{"document-uri":"http://127.0.0.1:1/demo","violated-directive":"script-src-elem","effective-directive":"script-src-elem","disposition":"enforce","blocked-uri":"inline","line-number":2}}`,
			[]chromium.Violation{want}, false},
		{"report-to, other report types left out", "application/reports+json",
			`[{"type":"deprecation","body":{}},{"type":"csp-violation","age":3,"body":{"documentURL":"http://127.0.0.1:1/demo","blockedURL":"inline","effectiveDirective":"script-src-elem","disposition":"enforce"}}]`,
			[]chromium.Violation{want}, false},
		{"media type read case-insensitively, parameters ignored", "Application/CSP-Report; charset=utf-8",
			`{"csp-report":{"document-uri":"http://127.0.0.1:1/demo","effective-directive":"script-src-elem","disposition":"enforce","blocked-uri":"inline"}}`,
			[]chromium.Violation{want}, false},
		{"other content type holds none", "application/json", `{"csp-report":{}}`, nil, false},
		{"malformed report-uri body", "application/csp-report", `{"csp-report":`, nil, true},
		{"malformed report-to body", "application/reports+json", `{}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := chromium.Report{ContentType: tt.contentType, Body: []byte(tt.body)}.Violations()
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestServeCapturesReports checks that Serve records exactly the report
// POSTs (either report content type, to whichever address the policy
// named), over both schemes, while the served handler still gets
// every request with its whole body, however long.
func TestServeCapturesReports(t *testing.T) {
	large := strings.Repeat("x", 3<<20)
	tests := []struct {
		name     string
		method   string
		path     string
		body     string
		ct       string
		recorded bool
		group    string
	}{
		{"report POST", http.MethodPost, chromium.ReportPath + "?group=demo", `{"csp-report":{}}`, "application/csp-report", true, "demo"},
		{"report POST larger than what is recorded", http.MethodPost, chromium.ReportPath, large, "application/csp-report", true, ""},
		{"Reporting API POST to a page's own address", http.MethodPost, "/demo/reports?view=x&group=learn", `[]`, "application/reports+json", true, "learn"},
		{"GET of the report path", http.MethodGet, chromium.ReportPath, "", "application/csp-report", false, ""},
		{"POST of a form", http.MethodPost, "/login", "a=b", "application/x-www-form-urlencoded", false, ""},
	}
	for _, scheme := range chromium.Schemes() {
		for _, tt := range tests {
			t.Run(scheme+"/"+tt.name, func(t *testing.T) {
				var handled []byte
				k := chromium.Serve(t, scheme, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					b, err := io.ReadAll(r.Body)
					if err != nil {
						http.Error(w, err.Error(), http.StatusBadRequest)
						return
					}
					handled = b
					w.WriteHeader(http.StatusNoContent)
				}))
				req, err := http.NewRequest(tt.method, k.URL+tt.path, strings.NewReader(tt.body))
				require.NoError(t, err)
				req.Header.Set("Content-Type", tt.ct)
				resp, err := k.Client().Do(req)
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())

				require.Equal(t, http.StatusNoContent, resp.StatusCode)
				assert.Equal(t, tt.body, string(handled), "the handler must get the whole body")
				got := k.Reports.All()
				if !tt.recorded {
					assert.Empty(t, got)
					return
				}
				require.Len(t, got, 1)
				r := got[0]
				assert.Equal(t, http.MethodPost, r.Method)
				assert.Equal(t, tt.ct, r.ContentType)
				assert.Equal(t, tt.group, r.Group)
				assert.Equal(t, strings.SplitN(tt.path, "?", 2)[0], r.Path)
				assert.NotEmpty(t, r.Body)
				assert.True(t, bytes.HasPrefix([]byte(tt.body), r.Body), "the recorded body must be the start of the one sent")
				assert.Equal(t, r, k.Reports.WaitFor(t, "the report just sent", func(chromium.Report) bool { return true }))
			})
		}
	}
}
