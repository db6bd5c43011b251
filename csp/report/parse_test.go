package report

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testMeta = Meta{
	Group:      "app",
	UserAgent:  "request-ua",
	ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return b
}

func TestParseChromiumBodies(t *testing.T) {
	reportURI := readTestdata(t, "chromium-report-uri.json")
	reports := readTestdata(t, "chromium-reports.json")
	const chromeUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"

	tests := []struct {
		name        string
		contentType string
		body        []byte
		want        Violation
	}{
		{"report-uri", "application/csp-report", reportURI, Violation{
			DocumentURL: "http://127.0.0.1:34567/", BlockedURL: "inline", EffectiveDirective: "script-src-elem",
			Disposition: "enforce", SourceFile: "http://127.0.0.1:34567/", Line: 2, Column: 9, StatusCode: 200,
			UserAgent: "request-ua", Group: "app", ReceivedAt: testMeta.ReceivedAt,
		}},
		{"report-uri as application/json", "application/json", reportURI, Violation{
			DocumentURL: "http://127.0.0.1:34567/", BlockedURL: "inline", EffectiveDirective: "script-src-elem",
			Disposition: "enforce", SourceFile: "http://127.0.0.1:34567/", Line: 2, Column: 9, StatusCode: 200,
			UserAgent: "request-ua", Group: "app", ReceivedAt: testMeta.ReceivedAt,
		}},
		{"report-uri with charset param", "Application/CSP-Report ; charset=utf-8", reportURI, Violation{
			DocumentURL: "http://127.0.0.1:34567/", BlockedURL: "inline", EffectiveDirective: "script-src-elem",
			Disposition: "enforce", SourceFile: "http://127.0.0.1:34567/", Line: 2, Column: 9, StatusCode: 200,
			UserAgent: "request-ua", Group: "app", ReceivedAt: testMeta.ReceivedAt,
		}},
		{"reporting api", "application/reports+json", reports, Violation{
			DocumentURL: "https://127.0.0.1:34567/", BlockedURL: "inline", EffectiveDirective: "script-src-elem",
			Disposition: "enforce", SourceFile: "https://127.0.0.1:34567/", Line: 2, Column: 9, StatusCode: 200,
			UserAgent: chromeUA, Group: "app", ReceivedAt: testMeta.ReceivedAt,
		}},
		{"reporting api as application/json", "application/json; charset=utf-8", reports, Violation{
			DocumentURL: "https://127.0.0.1:34567/", BlockedURL: "inline", EffectiveDirective: "script-src-elem",
			Disposition: "enforce", SourceFile: "https://127.0.0.1:34567/", Line: 2, Column: 9, StatusCode: 200,
			UserAgent: chromeUA, Group: "app", ReceivedAt: testMeta.ReceivedAt,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Parse(tt.contentType, tt.body, testMeta)
			require.NoError(t, err)
			require.Len(t, b.Violations, 1)
			assert.Equal(t, tt.want, b.Violations[0])
			assert.Zero(t, b.Noise+b.Ignored+b.Dropped)
		})
	}
}

func TestParseOlderBrowsers(t *testing.T) {
	// Firefox before CSP3 sent violated-directive with its sources and no
	// effective-directive or disposition.
	body := `{"csp-report":{"document-uri":"http://example.com/signup.html","referrer":"",` +
		`"blocked-uri":"http://example.com/css/style.css","violated-directive":"Style-Src cdn.example.com",` +
		`"original-policy":"default-src 'none'; style-src cdn.example.com"}}`
	b, err := Parse("application/json", []byte(body), testMeta)
	require.NoError(t, err)
	require.Len(t, b.Violations, 1)
	v := b.Violations[0]
	assert.Equal(t, "style-src", v.EffectiveDirective)
	assert.Equal(t, DispositionUnknown, v.Disposition)
	assert.Equal(t, "http://example.com/css/style.css", v.BlockedURL)
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
	}{
		{"empty csp-report", "application/csp-report", ""},
		{"empty reports", "application/reports+json", ""},
		{"empty json", "application/json", ""},
		{"whitespace", "application/json", " \n\t "},
		{"not json", "application/csp-report", "hello"},
		{"truncated", "application/csp-report", `{"csp-report":{"document-uri":"x"`},
		{"null", "application/csp-report", "null"},
		{"array as csp-report", "application/csp-report", `[{"csp-report":{}}]`},
		{"object as reports", "application/reports+json", `{"type":"csp-violation"}`},
		{"no csp-report key", "application/csp-report", `{"report":{}}`},
		{"csp-report string", "application/csp-report", `{"csp-report":"x"}`},
		{"csp-report null", "application/csp-report", `{"csp-report":null}`},
		{"json number", "application/json", `42`},
		{"json string", "application/json", `"csp-report"`},
		{"trailing data object", "application/csp-report", `{"csp-report":{}} {}`},
		{"trailing data array", "application/reports+json", `[] []`},
		{"unclosed array", "application/reports+json", `[{"type":"csp-violation","body":{}}`},
		{"garbage past the cap", "application/reports+json", "[" + strings.Repeat("1,", MaxEntries+5) + "x]"},
		{"deep arrays", "application/json", strings.Repeat("[", 100_000)},
		{"deep objects", "application/csp-report", strings.Repeat(`{"a":`, 1000)},
		{"deep inside a field", "application/csp-report", `{"csp-report":{"blocked-uri":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.contentType, []byte(tt.body), testMeta)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrMalformed), "err = %v", err)
		})
	}
}

func TestParseUnsupportedType(t *testing.T) {
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "multipart/form-data"} {
		t.Run(ct, func(t *testing.T) {
			_, err := Parse(ct, readTestdata(t, "chromium-report-uri.json"), testMeta)
			assert.ErrorIs(t, err, ErrUnsupportedType)
		})
	}
}

// Odd field types cost the field, not the report.
func TestParseWrongTypes(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Violation
	}{
		{"numbers as strings",
			`{"csp-report":{"line-number":"12","column-number":" 7 ","status-code":"200","effective-directive":"img-src"}}`,
			Violation{Line: 12, Column: 7, StatusCode: 200, EffectiveDirective: "img-src"}},
		{"whitespace around numbers",
			"{\"csp-report\":{\"line-number\" :  12 ,\"column-number\":\n\t7\r\n,\"status-code\": \" 200\" ,\"effective-directive\":\"img-src\"}}",
			Violation{Line: 12, Column: 7, StatusCode: 200, EffectiveDirective: "img-src"}},
		{"strings as numbers",
			`{"csp-report":{"document-uri":42,"blocked-uri":true,"effective-directive":"script-src"}}`,
			Violation{DocumentURL: "42", BlockedURL: "true", EffectiveDirective: "script-src"}},
		{"nulls",
			`{"csp-report":{"document-uri":null,"line-number":null,"effective-directive":null,"violated-directive":"img-src x"}}`,
			Violation{EffectiveDirective: "img-src"}},
		{"objects and arrays",
			`{"csp-report":{"document-uri":{"a":1},"blocked-uri":[1,2],"line-number":{},"script-sample":[]}}`,
			Violation{}},
		{"floats, negatives and huge numbers",
			`{"csp-report":{"line-number":3.9,"column-number":-5,"status-code":1e400}}`,
			Violation{Line: 3, Column: 0, StatusCode: 1<<31 - 1}},
		{"numeric junk strings",
			`{"csp-report":{"line-number":"NaN","column-number":"Infinity","status-code":"abc"}}`,
			Violation{Line: 0, Column: 1<<31 - 1, StatusCode: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Parse("application/csp-report", []byte(tt.body), Meta{})
			require.NoError(t, err)
			require.Len(t, b.Violations, 1)
			got := b.Violations[0]
			tt.want.Disposition = DispositionUnknown
			tt.want.Group = UnknownGroup
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseReportingEntries(t *testing.T) {
	entry := `{"type":"csp-violation","url":"https://a.test/","user_agent":"ua","body":{"blockedURL":"inline","effectiveDirective":"script-src-elem","disposition":"report"}}`
	tests := []struct {
		name       string
		body       string
		violations int
		noise      int
		ignored    int
		dropped    int
	}{
		{"empty array", `[]`, 0, 0, 0, 0},
		{"one", "[" + entry + "]", 1, 0, 0, 0},
		{"other types counted", `[{"type":"deprecation","body":{}},{"type":"intervention","body":{}},` + entry + `]`, 1, 0, 2, 0},
		{"non-object entries", `[1,"x",null,[],true,` + entry + `]`, 1, 0, 5, 0},
		{"csp-violation without body", `[{"type":"csp-violation"},{"type":"csp-violation","body":"x"}]`, 0, 0, 2, 0},
		{"type wrong case ignored", `[{"type":"CSP-Violation","body":{}}]`, 0, 0, 1, 0},
		{"noise flagged", `[{"type":"csp-violation","body":{"blockedURL":"chrome-extension","effectiveDirective":"script-src-elem"}},` + entry + `]`, 2, 1, 0, 0},
		{"cap", "[" + strings.TrimSuffix(strings.Repeat(entry+",", 150), ",") + "]", MaxEntries, 0, 0, 50},
		{"cap counts ignored entries too", "[" + strings.Repeat("{},", MaxEntries) + entry + "]", 0, 0, MaxEntries, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Parse("application/reports+json", []byte(tt.body), testMeta)
			require.NoError(t, err)
			assert.Len(t, b.Violations, tt.violations)
			assert.Equal(t, tt.noise, b.Noise, "noise")
			assert.Equal(t, tt.ignored, b.Ignored, "ignored")
			assert.Equal(t, tt.dropped, b.Dropped, "dropped")
		})
	}

	t.Run("url and user_agent fallbacks", func(t *testing.T) {
		b, err := Parse("application/reports+json", []byte("["+entry+"]"), testMeta)
		require.NoError(t, err)
		v := b.Violations[0]
		assert.Equal(t, "https://a.test/", v.DocumentURL, "documentURL falls back to the report url")
		assert.Equal(t, "ua", v.UserAgent, "the report's user_agent wins over the request's")
		assert.Equal(t, DispositionReport, v.Disposition)
	})
}

// Escaping happens once, in Parse: what comes out is safe to print.
func TestParseEscapes(t *testing.T) {
	tests := []struct {
		name string
		json string // a JSON string literal, quotes included
		want string
		// wantURL is the document URL when it differs from want: like a
		// browser, scrubURL first drops tabs and newlines, and control
		// characters at either end.
		wantURL string
	}{
		{"NUL", `"a\u0000b"`, `a\x00b`, ""},
		{"newline and CR", `"a\nb\rc"`, `a\x0ab\x0dc`, "abc"},
		{"terminal escape", `"\u001b[31mred"`, `\x1b[31mred`, "[31mred"},
		{"terminal escape inside", `"x\u001b[31mred"`, `x\x1b[31mred`, ""},
		{"DEL", `"a\u007fb"`, `a\x7fb`, ""},
		{"C1 control", `"a\u0085b"`, `a\u0085b`, ""},
		{"bidi override", `"a\u202eb"`, `a\u202eb`, ""},
		{"line separator", `"a\u2028b"`, `a\u2028b`, ""},
		{"lone surrogate", `"a\ud800b"`, "a\uFFFDb", ""}, // encoding/json's own replacement
		{"escaped slash", `"https:\/\/a.test\/"`, "https://a.test/", ""},
		{"plain unicode kept", `"héllo ✓ 日本"`, "héllo ✓ 日本", ""},
		{"backslash kept", `"a\\b"`, `a\b`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"csp-report":{"script-sample":` + tt.json + `,"document-uri":` + tt.json + `}}`
			b, err := Parse("application/csp-report", []byte(body), testMeta)
			require.NoError(t, err)
			assert.Equal(t, tt.want, b.Violations[0].Sample)
			wantURL := tt.wantURL
			if wantURL == "" {
				wantURL = tt.want
			}
			assert.Equal(t, wantURL, b.Violations[0].DocumentURL)
		})
	}

	t.Run("invalid UTF-8 in the raw body", func(t *testing.T) {
		body := []byte("{\"csp-report\":{\"script-sample\":\"a\xffb\xc3\"}}")
		b, err := Parse("application/csp-report", body, testMeta)
		require.NoError(t, err)
		assert.Equal(t, `a\xffb\xc3`, b.Violations[0].Sample)
	})
}

func TestParseCaps(t *testing.T) {
	long := strings.Repeat("x", 10_000)
	ctl := strings.Repeat(`\u0001`, 1000)
	body := `{"csp-report":{"document-uri":"` + long + `","blocked-uri":"x` + ctl + `x","script-sample":"` + long +
		`","source-file":"` + long + `","effective-directive":"` + long + `"}}`
	b, err := Parse("application/csp-report", []byte(body), Meta{UserAgent: long, Group: long})
	require.NoError(t, err)
	v := b.Violations[0]
	for _, f := range []struct {
		name string
		got  string
		max  int
	}{
		{"document", v.DocumentURL, MaxURLLen},
		{"blocked", v.BlockedURL, MaxURLLen},
		{"source", v.SourceFile, MaxURLLen},
		{"sample", v.Sample, MaxSampleLen},
		{"directive", v.EffectiveDirective, MaxDirectiveLen},
		{"ua", v.UserAgent, MaxUserAgentLen},
	} {
		assert.LessOrEqual(t, len(f.got), f.max, f.name)
		assert.Greater(t, len(f.got), f.max-12, f.name)
		assert.True(t, strings.HasSuffix(f.got, "…"), f.name)
	}
	assert.True(t, strings.HasPrefix(v.BlockedURL, `x\x01\x01`))
	assert.Equal(t, UnknownGroup, v.Group)
}
