package report

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestIsNoise(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"chrome-extension", true}, // bare scheme, as CSP3 reports non-http URLs
		{"chrome-extension://abcdefghijklmnop/content.js", true},
		{"Chrome-Extension://x/y.js", true},
		{"moz-extension://1234-5678/inject.js", true},
		{"safari-extension://com.example.ext/script.js", true},
		{"safari-web-extension://ABCD1234-0000/content.js", true},
		{"ms-browser-extension://x/y.js", true},
		{"webkit-masked-url://hidden/", true},
		{"about", true},
		{"about:blank", true},
		{"resource://gre/modules/x.js", true},
		{"chromenull://", true},
		{"mxjscall://x", true},
		{"inline", false},
		{"eval", false},
		{"wasm-eval", false},
		{"data", false},
		{"blob", false},
		{"trusted-types-policy", false},
		{"https://evil.example/x.js", false},
		{"http://127.0.0.1:8080/", false},
		{"", false},
		{":", false},
		{"javascript:alert(1)", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			assert.Equal(t, tt.want, IsNoise(tt.url))
		})
	}
}

func TestNoiseFromSourceFile(t *testing.T) {
	body := `{"csp-report":{"blocked-uri":"inline","effective-directive":"script-src-elem",` +
		`"source-file":"moz-extension://0a1b/content.js"}}`
	b, err := Parse("application/csp-report", []byte(body), testMeta)
	assert.NoError(t, err)
	assert.True(t, b.Violations[0].Noise)
	assert.Equal(t, 1, b.Noise)
}

func TestGroup(t *testing.T) {
	tests := []struct{ in, want string }{
		{"app", "app"},
		{"admin-v2.beta_1+x", "admin-v2.beta_1+x"},
		{"", UnknownGroup},
		{"a b", UnknownGroup},
		{"a\nb", UnknownGroup},
		{"<script>", UnknownGroup},
		{"é", UnknownGroup},
		{strings.Repeat("a", MaxGroupLen), strings.Repeat("a", MaxGroupLen)},
		{strings.Repeat("a", MaxGroupLen+1), UnknownGroup},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, group(tt.in))
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"ascii unchanged", "https://a.test/x?y=1", 64, "https://a.test/x?y=1"},
		{"exactly at cap", "abcdefghij", 10, "abcdefghij"},
		{"over cap", "abcdefghijk", 10, "abcdefg…"},
		{"escape not split", "abcde\x00fgh", 10, "abcde…"},
		{"rune not split", "abcdef日本", 10, "abcdef…"},
		{"invalid byte", "a\xffb", 10, `a\xffb`},
		{"truncated rune", "a\xe6\x97", 16, `a\xe6\x97`},
		{"tab escaped", "a\tb", 10, `a\x09b`},
		{"zero width joiner", "a\u200db", 16, `a\u200db`},
		{"tag character", "a\U000e0041b", 16, `a\U000e0041b`},
		{"BOM", "\ufeffx", 16, `\ufeffx`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := clean(tt.in, tt.max)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, len(got), tt.max)
			assert.True(t, utf8.ValidString(got))
		})
	}
}

// TestCleanDoesNotAllocateForPlainASCII: every field of every report goes
// through clean, and almost all of them are already clean; returning such
// a string as it is must cost nothing, so the budget is zero.
func TestCleanDoesNotAllocateForPlainASCII(t *testing.T) {
	s := "https://example.com/some/path?q=1"
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { _ = clean(s, MaxURLLen) }), 0.0)
}
