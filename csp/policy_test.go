package csp

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// base is a minimal valid policy that each rejection case extends, so a case
// fails for its own reason only.
func base() Policy { return New().Set(DefaultSrc, Self) }

// TestValidateRejects covers every case helmet rejects (invalid directive
// names, duplicates, ';' and ',' in values, missing default-src, no
// directives, unquoted keywords) and the CSP3 grammar rules beyond them.
// Each error must name the directive and the offending value.
func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		want   []string // substrings of the error
	}{
		// helmet: invalid directive names
		{"empty directive name", base().Set("", Self), []string{"unknown directive"}},
		{"name is ;", base().Set(";", Self), []string{`;: unknown directive`}},
		{"non-ASCII name", base().Set("á", Self), []string{"á: unknown directive"}},
		{"name with space", base().Set("default src", Self), []string{"default src: unknown directive"}},
		{"name with ;", base().Set("default;src", Self), []string{"unknown directive"}},
		{"name with ,", base().Set("default,src", Self), []string{"unknown directive"}},
		{"name with !", base().Set("default!src", Self), []string{"unknown directive"}},
		{"name with accent", base().Set("defáult-src", Self), []string{"unknown directive"}},
		{"underscore name", base().Set("default_src", Self), []string{"default_src: unknown directive"}},
		{"__proto__", base().Set("__proto__", Self), []string{"__proto__: unknown directive"}},
		{"unknown directive", base().Set("script-scr", Self), []string{"script-scr: unknown directive"}},
		// helmet: duplicates
		{"duplicate default-src", base().Set(DefaultSrc, None), []string{"default-src: duplicate directive"}},
		{"duplicate script-src", base().Set(ScriptSrc, Self).Set(ScriptSrc, Self), []string{"script-src: duplicate directive"}},
		// helmet: ';' and ',' in values
		{"lone ;", base().Set(ScriptSrc, ";"), []string{`script-src: ";"`, "end the directive"}},
		{"lone ,", base().Set(ScriptSrc, ","), []string{`script-src: ","`, "second policy"}},
		{"directive injection", base().Set(ScriptSrc, "example.com; script-src *"), []string{`script-src: "example.com; script-src *"`, "end the directive"}},
		{"policy injection", base().Set(ImgSrc, "hello,world"), []string{`img-src: "hello,world"`, "second policy"}},
		// helmet: missing default-src / no directives
		{"no directives", New(), []string{"no directives"}},
		{"missing default-src", New().Set(ScriptSrc, Self), []string{"default-src: missing"}},
		// helmet: keywords must be quoted
		{"unquoted self", base().Set(ScriptSrc, "self"), []string{`script-src: "self"`, "write 'self'"}},
		{"unquoted none", base().Set(ObjectSrc, "none"), []string{`object-src: "none"`, "write 'none'"}},
		{"unquoted unsafe-inline", base().Set(StyleSrc, "unsafe-inline"), []string{"write 'unsafe-inline'"}},
		{"unquoted unsafe-eval", base().Set(ScriptSrc, "unsafe-eval"), []string{"write 'unsafe-eval'"}},
		{"unquoted unsafe-hashes", base().Set(ScriptSrc, "unsafe-hashes"), []string{"write 'unsafe-hashes'"}},
		{"unquoted wasm-unsafe-eval", base().Set(ScriptSrc, "wasm-unsafe-eval"), []string{"write 'wasm-unsafe-eval'"}},
		{"unquoted strict-dynamic", base().Set(ScriptSrc, "strict-dynamic"), []string{"write 'strict-dynamic'"}},
		{"unquoted report-sample", base().Set(ScriptSrc, "report-sample"), []string{"write 'report-sample'"}},
		{"unquoted inline-speculation-rules", base().Set(ScriptSrc, "inline-speculation-rules"), []string{"write 'inline-speculation-rules'"}},
		{"unquoted nonce", base().Set(ScriptSrc, "nonce-abc123"), []string{"nonce source must be quoted"}},
		{"unquoted sha256", base().Set(ScriptSrc, "sha256-abc"), []string{"sha256 source must be quoted"}},
		{"unquoted sha384", base().Set(ScriptSrc, "sha384-abc"), []string{"sha384 source must be quoted"}},
		{"unquoted sha512", base().Set(ScriptSrc, "sha512-abc"), []string{"sha512 source must be quoted"}},
		// CSP3 grammar
		{"space inside a source", base().Set(ScriptSrc, "'self' https://a.example"), []string{"whitespace"}},
		{"tab inside a source", base().Set(ScriptSrc, "a.example\tb.example"), []string{"whitespace"}},
		{"newline inside a source", base().Set(ScriptSrc, "a.example\r\nX-Evil: 1"), []string{"whitespace"}},
		{"non-ASCII host", base().Set(ImgSrc, "bücher.example"), []string{`img-src: "bücher.example"`, "non-ASCII"}},
		{"NUL", base().Set(ImgSrc, "a\x00b"), []string{"control character"}},
		{"none with others", base().Set(ScriptSrc, None, Self), []string{`script-src: "'none'"`, "cannot be combined"}},
		{"others with none", base().Set(ScriptSrc, Self, None), []string{"cannot be combined"}},
		{"empty source list", base().Set(ScriptSrc), []string{"script-src: empty source list"}},
		{"empty source", base().Set(ScriptSrc, ""), []string{"empty source"}},
		{"unknown quoted keyword", base().Set(ScriptSrc, "'unsafe-everything'"), []string{"unknown keyword"}},
		{"upper-case keyword", base().Set(ScriptSrc, "'SELF'"), []string{"keywords are lower case"}},
		{"unterminated quote", base().Set(ScriptSrc, "'self"), []string{"unterminated quote"}},
		{"empty nonce", base().Set(ScriptSrc, "'nonce-'"), []string{"malformed nonce"}},
		{"nonce with bad chars", base().Set(ScriptSrc, "'nonce-abc!'"), []string{"malformed nonce"}},
		{"nonce with 3 padding", base().Set(ScriptSrc, "'nonce-abc==='"), []string{"malformed nonce"}},
		{"short sha256", base().Set(ScriptSrc, "'sha256-abc'"), []string{"malformed sha256 hash"}},
		{"sha384 with sha256 digest", base().Set(ScriptSrc, Source(strings.Replace(string(SHA256("x")), "sha256", "sha384", 1))), []string{"malformed sha384 hash"}},
		{"unknown hash algorithm", base().Set(ScriptSrc, "'md5-abc'"), []string{"unknown keyword"}},
		{"listed twice", base().Set(ScriptSrc, Self, Self), []string{"listed twice"}},
		{"bad scheme", base().Set(ScriptSrc, "1http://a.example"), []string{"malformed scheme"}},
		{"bad port", base().Set(ScriptSrc, "a.example:8o"), []string{"malformed port"}},
		{"empty port", base().Set(ScriptSrc, "https://a.example:"), []string{"empty port"}},
		{"empty label", base().Set(ScriptSrc, "a..example"), []string{"malformed host"}},
		{"underscore host", base().Set(ScriptSrc, "a_b.example"), []string{"malformed host"}},
		{"quote in path", base().Set(ScriptSrc, "a.example/x'y"), []string{"not allowed in a path"}},
		{"keyword in frame-ancestors", base().Set(FrameAncestors, UnsafeInline), []string{"frame-ancestors allows no keyword"}},
		{"unknown sandbox flag", base().Set(Sandbox, "allow-everything"), []string{"unknown sandbox flag"}},
		{"report-to two names", base().Set(ReportTo, "a", "b"), []string{"exactly one endpoint"}},
		{"report-uri none", base().Set(ReportURI), []string{"at least one URI"}},
		{"value on upgrade-insecure-requests", base().Set(UpgradeInsecureRequests, Self), []string{"takes no value"}},
		{"trusted types for style", base().Set(RequireTrustedTypesFor, "'style'"), []string{"the only value is 'script'"}},
		{"bad trusted types name", base().Set(TrustedTypes, "a<b"), []string{"not a Trusted Types policy name"}},
		{"webrtc maybe", base().Set(WebRTC, "'maybe'"), []string{"'allow' or 'block'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Validate()
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
	}{
		{"self", base()},
		{"nonce slot and strict-dynamic", base().Set(ScriptSrc, Nonce, StrictDynamic)},
		{"literal nonce", base().Set(ScriptSrc, "'nonce-2VidrwiiMQEJckKhLmvOtA=='")},
		{"url-safe nonce", base().Set(ScriptSrc, "'nonce-a-b_c'")},
		{"sha256 of content", base().Set(ScriptSrc, SHA256("alert(1)"))},
		{"url-safe sha256 without padding", base().Set(ScriptSrc, "'sha256-47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU'")},
		{"schemes", base().Set(ImgSrc, Self, Data, Blob, HTTPS)},
		{"hosts", base().Set(ConnectSrc, "https://api.example.com", "*.example.com", "example.com:443", "wss://x.example:*", "https://cdn.example/lib/", "*")},
		{"trailing dot host", base().Set(ImgSrc, "example.com.")},
		{"ip host", base().Set(ImgSrc, "127.0.0.1:8080")},
		{"all keywords", base().Set(ScriptSrc, Self, UnsafeInline, UnsafeEval, UnsafeHashes, ReportSample, WasmUnsafeEval, InlineSpeculationRules, UnsafeAllowRedirects)},
		{"frame-ancestors", base().Set(FrameAncestors, Self, "https://partner.example")},
		{"empty sandbox", base().Set(Sandbox)},
		{"sandbox flags", base().Set(Sandbox, "allow-scripts", "allow-forms")},
		{"reporting", base().Set(ReportURI, "/csp-report?group=site").Set(ReportTo, "csp")},
		{"upgrade-insecure-requests", base().Set(UpgradeInsecureRequests)},
		{"trusted types", base().Set(RequireTrustedTypesFor, "'script'").Set(TrustedTypes, "default", "lit-html", "'allow-duplicates'")},
		{"webrtc", base().Set(WebRTC, "'block'")},
		{"deprecated but known", base().Set(BlockAllMixedContent)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, tt.policy.Validate())
		})
	}
}

func TestPolicyIsAValue(t *testing.T) {
	parent := base().Set(ScriptSrc, Nonce).Set(ObjectSrc, None)

	child := parent.Add(ScriptSrc, "https://cdn.example", Nonce).Add(ObjectSrc, Self).Add(ImgSrc, Data)
	assert.Equal(t, "default-src 'self'; script-src 'nonce-{nonce}' https://cdn.example; object-src 'self'; img-src 'self' data:", child.String(),
		"Add extends, skips repeats, replaces 'none' and creates missing directives from what they inherited")
	assert.Equal(t, "default-src 'self'; script-src 'nonce-{nonce}'; object-src 'none'", parent.String(), "the parent is untouched")

	replaced := parent.Replace(ScriptSrc, Self)
	assert.Equal(t, []Source{Self}, replaced.Sources(ScriptSrc))
	assert.Equal(t, []Source{Nonce}, parent.Sources(ScriptSrc))

	without := parent.Without(ObjectSrc)
	assert.False(t, without.Has(ObjectSrc))
	assert.True(t, parent.Has(ObjectSrc))

	// Two children of one parent must not share a backing array.
	a, b := parent.Set(ImgSrc, Self), parent.Set(FontSrc, Self)
	assert.Equal(t, []Directive{DefaultSrc, ScriptSrc, ObjectSrc, ImgSrc}, a.Directives())
	assert.Equal(t, []Directive{DefaultSrc, ScriptSrc, ObjectSrc, FontSrc}, b.Directives())
}

// TestAddExtendsWhatTheBrowserEnforced: a directive Add creates starts
// from its fallback, so extending never narrows what already loaded.
func TestAddExtendsWhatTheBrowserEnforced(t *testing.T) {
	p := New().Set(DefaultSrc, Self).Set(ScriptSrc, Nonce, StrictDynamic).Set(ChildSrc, None)
	tests := []struct {
		d    Directive
		add  Source
		want []Source
	}{
		{ImgSrc, "https://img.example", []Source{Self, "https://img.example"}},
		{ScriptSrcElem, "https://cdn.example", []Source{Nonce, StrictDynamic, "https://cdn.example"}},
		{WorkerSrc, Self, []Source{Self}},                                    // from child-src 'none': the 'none' is replaced
		{FrameSrc, "https://maps.example", []Source{"https://maps.example"}}, // child-src 'none' comes first
		{BaseURI, Self, []Source{Self}},                                      // no fallback
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, p.Add(tt.d, tt.add).Sources(tt.d), tt.d)
	}
	assert.Equal(t, []Source{"https://img.example"}, New().Set(ScriptSrc, Self).Add(ImgSrc, "https://img.example").Sources(ImgSrc),
		"without default-src there is nothing to inherit")
}

// TestAddKeepsOrderAndDropsRepeats: Add appends each new source once, in
// order, whatever the number (a few are compared pairwise, many through a
// set), and leaves the receiver as it was.
func TestAddKeepsOrderAndDropsRepeats(t *testing.T) {
	hosts := func(from, to int) []Source {
		var out []Source
		for i := from; i < to; i++ {
			out = append(out, Source(fmt.Sprintf("https://h%d.example", i)))
		}
		return out
	}
	tests := []struct {
		name      string
		cur, add  []Source
		wantAdded []Source // after cur
	}{
		{"few, new", []Source{Self}, hosts(0, 3), hosts(0, 3)},
		{"few, repeated in add and in cur", []Source{Self, "https://h1.example"},
			[]Source{"https://h0.example", "https://h1.example", "https://h0.example", Self}, hosts(0, 1)},
		{"many, new", hosts(0, 20), hosts(20, 100), hosts(20, 100)},
		{"many, repeated in add and in cur", hosts(0, 50), append(hosts(40, 80), hosts(60, 90)...), hosts(50, 90)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New().Set(DefaultSrc, tt.cur...)
			got := p.Add(DefaultSrc, tt.add...)
			assert.Equal(t, append(slices.Clone(tt.cur), tt.wantAdded...), got.Sources(DefaultSrc))
			assert.Equal(t, tt.cur, p.Sources(DefaultSrc), "the receiver is untouched")
		})
	}
}

func TestParse(t *testing.T) {
	p, err := Parse("default-src 'self';  SCRIPT-SRC 'nonce-{nonce}' 'strict-dynamic' ; object-src 'none';")
	require.NoError(t, err)
	assert.Equal(t, "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; object-src 'none'", p.String())
	assert.True(t, p.usesNonce())

	bad := map[string]string{
		"default-src 'self', script-src 'none'": "two policies",
		"default-src 'self'\r\nSet-Cookie: x":   "line break",
		"default-src self":                      "write 'self'",
		"script-src 'self'":                     "default-src: missing",
		strings.Repeat("a", MaxPolicyLen+1):     "limit",
		"default-src 'self'; default-src *":     "duplicate",
		"":                                      "no directives",
	}
	for in, want := range bad {
		_, err := Parse(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
}

func TestSHA256MatchesBrowsers(t *testing.T) {
	// The value Chrome's console prints for an empty inline script.
	assert.Equal(t, Source("'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"), SHA256(""))
}

func TestParseLenient(t *testing.T) {
	_, err := Parse("script-src 'unsafe-inline'")
	require.ErrorContains(t, err, "default-src: missing")

	p, err := ParseLenient("script-src 'unsafe-inline'")
	require.NoError(t, err)
	assert.Equal(t, []Source{UnsafeInline}, p.Sources(ScriptSrc))

	// Everything but the default-src rule still applies, with the same errors as Parse.
	for _, bad := range []string{
		"script-src self",
		"script-src 'nonce-{nonce}' 'unsafe-inline'; script-src 'self'",
		"scirpt-src 'self'",
		"script-src 'self', img-src *",
		"",
	} {
		_, lenientErr := ParseLenient(bad)
		require.Error(t, lenientErr, bad)
		_, strictErr := Parse("default-src 'none'; " + bad)
		if bad != "" {
			require.Error(t, strictErr, bad)
			assert.Contains(t, strictErr.Error(), lenientErr.Error(), bad)
		}
	}
}
