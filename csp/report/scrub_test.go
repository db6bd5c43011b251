package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scrubCases are the value shapes a URL field of a report can take, with
// what must be left of each.
var scrubCases = []struct {
	name, in, want string
}{
	// Kept as they are.
	{"origin", "https://example.com", "https://example.com"},
	{"path", "https://example.com/a/b.js", "https://example.com/a/b.js"},
	{"port", "http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x"},
	{"escaped question mark in the path", "https://example.com/a%3Fb", "https://example.com/a%3Fb"},
	{"empty", "", ""},

	// Query and fragment.
	{"auth token", "https://example.com/account?auth_token=s3cr3t", "https://example.com/account"},
	{"email", "https://example.com/?email=a%40b.test&x=1", "https://example.com/"},
	{"empty query", "https://example.com/a?", "https://example.com/a"},
	{"fragment", "https://example.com/a#frag", "https://example.com/a"},
	{"oauth fragment", "https://example.com/cb#access_token=s3cr3t&token_type=bearer", "https://example.com/cb"},
	{"query then fragment", "https://example.com/a?q=1#f", "https://example.com/a"},
	{"fragment holding a question mark", "https://example.com/a#f?token=s3cr3t", "https://example.com/a"},
	{"query on the origin", "https://example.com?token=s3cr3t", "https://example.com"},
	{"websocket", "wss://example.com/socket?ticket=s3cr3t", "wss://example.com/socket"},

	// Userinfo.
	{"user and password", "https://user:pass@example.com/", "https://example.com/"},
	{"user only", "https://user@example.com/a", "https://example.com/a"},
	{"two at signs", "https://us@er:p@ss@example.com/a", "https://example.com/a"},
	{"at sign in the path stays", "https://example.com/@user/profile", "https://example.com/@user/profile"},
	{"userinfo and query", "http://u:p@example.com:81/a?token=s3cr3t", "http://example.com:81/a"},
	{"backslash ends the authority", `https://example.com\u:p@x/a`, `https://example.com\u:p@x/a`},

	// Userinfo where a browser finds it without "//" (issue 21): for
	// http(s) and ws(s) the WHATWG URL parser skips any run of '/' and '\'
	// after the colon, none included, so each of these is
	// https://user:PASS@host/... to a browser.
	{"no slashes", "https:user:PASS@example.com/a", "https:example.com/a"},
	{"no slashes, upper case", "HTTPS:user:PASS@example.com", "https:example.com"},
	{"one slash", "https:/user:PASS@example.com/a", "https:/example.com/a"},
	{"slash backslash", `https:/\user:PASS@example.com/a`, `https:/\example.com/a`},
	{"backslash slash", `https:\/user:PASS@example.com/a`, `https:\/example.com/a`},
	{"two backslashes", `https:\\user:PASS@example.com`, `https:\\example.com`},
	{"three slashes", "https:///user:PASS@example.com/a", "https:///example.com/a"},
	{"many slashes", `http:/\/\//user@example.com/a;x=1`, `http:/\/\//example.com/a`},
	{"websocket no slashes", "wss:u:PASS@example.com/s?t", "wss:example.com/s"},
	{"no slashes, at sign in the path stays", "https:example.com/@user", "https:example.com/@user"},
	{"no slashes, no userinfo", "https:example.com/a", "https:example.com/a"},
	{"scheme-relative with backslashes", `\\user:PASS@example.com/a`, `\\example.com/a`},
	{"scheme-relative slash backslash", `/\user:PASS@example.com/a`, `/\example.com/a`},
	{"path, not an authority", "/a/user@b", "/a/user@b"},
	{"userinfo with no host, then another", "http:@/@x/a", "http:/x/a"},
	{"userinfo with no host at the end", "http:@/@", "http:/"},

	// Path parameters: removed from every segment.
	{"jsessionid", "https://example.com/shop/cart;jsessionid=1F3A9B?x=1", "https://example.com/shop/cart"},
	{"parameters in two segments", "https://example.com/a;x=1/b;jsessionid=2/c", "https://example.com/a/b/c"},
	{"parameter on the root", "https://example.com/;jsessionid=1", "https://example.com/"},
	{"parameter in the authority's path start", "https://u:p@example.com;x/a", "https://example.com;x/a"},

	// Scheme case and what browsers ignore.
	{"upper-case scheme", "HTTPS://example.com/a?b", "https://example.com/a"},
	{"upper-case scheme unchanged otherwise", "HTTP://example.com/a", "http://example.com/a"},
	{"surrounding spaces", "  https://example.com/a?t=1 \x00", "https://example.com/a"},
	{"newline inside", "https://exa\nmple.com/a?t=1", "https://example.com/a"},
	{"tab before the userinfo", "ht\ttps://user:pass@example.com/", "https://example.com/"},
	{"scheme-relative", "//user:pass@example.com/a?t=1", "//example.com/a"},

	// Other schemes: the scheme alone.
	{"data", "data:text/html;base64,PHNjcmlwdD4=", "data"},
	{"data upper case", "DATA:,secret", "data"},
	{"blob", "blob:https://example.com/0f6c-4f1a?x", "blob"},
	{"javascript", "javascript:alert(document.cookie)", "javascript"},
	{"file", "file:///home/alice/secret.html", "file"},
	{"about", "about:blank", "about"},
	{"extension", "chrome-extension://abcdef/inject.js?k=1", "chrome-extension"},
	{"masked extension", "webkit-masked-url://hidden/", "webkit-masked-url"},
	{"filesystem", "filesystem:https://example.com/temporary/x", "filesystem"},

	// Keywords and bare schemes: unchanged.
	{"inline", "inline", "inline"},
	{"eval", "eval", "eval"},
	{"wasm-eval", "wasm-eval", "wasm-eval"},
	{"trusted-types-policy", "trusted-types-policy", "trusted-types-policy"},
	{"trusted-types-sink", "trusted-types-sink", "trusted-types-sink"},
	{"self", "self", "self"},
	{"data keyword", "data", "data"},
	{"blob keyword", "blob", "blob"},
	{"bare extension scheme", "chrome-extension", "chrome-extension"},

	// Not URLs a browser sends: still no query or fragment.
	{"relative", "/a?token=s3cr3t", "/a"},
	{"keyword with a query", "inline?token=s3cr3t", "inline"},
	{"invalid scheme", "1http://u:p@x/?t", "1http://u:p@x/"},
	{"invalid UTF-8 kept for clean", "https://example.com/\xff?t=1", "https://example.com/\xff"},
}

func TestScrubURL(t *testing.T) {
	for _, tt := range scrubCases {
		t.Run(tt.name, func(t *testing.T) {
			got := scrubURL(tt.in)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, len(got), len(tt.in), "never grows")
			assert.Equal(t, got, scrubURL(got), "idempotent")
		})
	}
}

// TestScrubbedAtIntake sends each value shape in every URL field of both
// wire formats: whatever a sink gets has no query, fragment, userinfo or
// path parameter left.
func TestScrubbedAtIntake(t *testing.T) {
	type field struct {
		format, key string
		get         func(Violation) string
	}
	fields := []field{
		{"report-uri", "document-uri", func(v Violation) string { return v.DocumentURL }},
		{"report-uri", "blocked-uri", func(v Violation) string { return v.BlockedURL }},
		{"report-uri", "source-file", func(v Violation) string { return v.SourceFile }},
		{"reports", "documentURL", func(v Violation) string { return v.DocumentURL }},
		{"reports", "blockedURL", func(v Violation) string { return v.BlockedURL }},
		{"reports", "sourceFile", func(v Violation) string { return v.SourceFile }},
		{"reports", "url", func(v Violation) string { return v.DocumentURL }}, // documentURL's fallback
	}
	for _, f := range fields {
		for _, tt := range scrubCases {
			t.Run(f.format+"/"+f.key+"/"+tt.name, func(t *testing.T) {
				val := jsonString(tt.in)
				var ct, body string
				switch {
				case f.format == "report-uri":
					ct, body = TypeCSPReport, fmt.Sprintf(`{"csp-report":{%q:%s,"referrer":"https://r.test/?t=s3cr3t"}}`, f.key, val)
				case f.key == "url":
					ct, body = TypeReportsJSON, fmt.Sprintf(`[{"type":"csp-violation","url":%s,"body":{"referrer":"https://r.test/?t=s3cr3t"}}]`, val)
				default:
					ct, body = TypeReportsJSON, fmt.Sprintf(`[{"type":"csp-violation","body":{%q:%s}}]`, f.key, val)
				}
				b, err := Parse(ct, []byte(body), testMeta)
				require.NoError(t, err, body)
				require.Len(t, b.Violations, 1)
				v := b.Violations[0]
				assert.Equal(t, clean(tt.want, MaxURLLen), f.get(v))
				all := fmt.Sprintf("%+v", v)
				for _, secret := range []string{"s3cr3t", "pass@", "PASS", "jsessionid", "#", "?"} {
					assert.NotContains(t, all, secret)
				}
			})
		}
	}
}

func TestSampleIsCapped(t *testing.T) {
	long := strings.Repeat("a", 10_000)
	for _, tt := range []struct{ ct, body string }{
		{TypeCSPReport, `{"csp-report":{"script-sample":"` + long + `"}}`},
		{TypeReportsJSON, `[{"type":"csp-violation","body":{"sample":"` + long + `"}}]`},
	} {
		b, err := Parse(tt.ct, []byte(tt.body), testMeta)
		require.NoError(t, err, tt.ct)
		require.Len(t, b.Violations, 1)
		s := b.Violations[0].Sample
		assert.LessOrEqual(t, len(s), MaxSampleLen, tt.ct)
		assert.True(t, strings.HasSuffix(s, ellipsis), tt.ct)
	}
}

// jsonString quotes s as a JSON string but keeps invalid UTF-8 bytes raw
// (json.Marshal would replace them), as a forged report may.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestScrubNeedsNoAllocationForCleanValues(t *testing.T) {
	for _, s := range []string{"https://example.com/a/b.js", "inline", "chrome-extension", "data"} {
		allocs := testing.AllocsPerRun(100, func() { _ = scrubURL(s) })
		assert.LessOrEqual(t, allocs, 0.0, s)
	}
}
