package csp

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestEffective follows CSP3's fallback chain: the directive a browser
// consults for a kind of resource is the first one the policy sets.
func TestEffective(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		d      Directive
		want   Directive // "" when nothing restricts d
	}{
		{"set itself", New().Set(DefaultSrc, None).Set(ScriptSrcElem, Self), ScriptSrcElem, ScriptSrcElem},
		{"script-src-elem to script-src", New().Set(DefaultSrc, None).Set(ScriptSrc, Self), ScriptSrcElem, ScriptSrc},
		{"script-src-attr to default-src", New().Set(DefaultSrc, None).Set(StyleSrc, Self), ScriptSrcAttr, DefaultSrc},
		{"style-src-elem to style-src", New().Set(DefaultSrc, None).Set(StyleSrc, Self).Set(ScriptSrc, Self), StyleSrcElem, StyleSrc},
		{"style-src-attr skips script-src", New().Set(DefaultSrc, None).Set(ScriptSrc, Self), StyleSrcAttr, DefaultSrc},
		{"worker-src to child-src", New().Set(ChildSrc, Self).Set(ScriptSrc, None), WorkerSrc, ChildSrc},
		{"worker-src to script-src", New().Set(DefaultSrc, None).Set(ScriptSrc, Self), WorkerSrc, ScriptSrc},
		{"nothing set", New().Set(ImgSrc, Self), ScriptSrcElem, ""},
		{"base-uri has no fallback", New().Set(DefaultSrc, None), BaseURI, ""},
		{"unknown directive", New().Set(DefaultSrc, None), "script-src-typo", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.policy.Effective(tt.d)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.want != "", ok)
		})
	}
}

func TestReportableDirectives(t *testing.T) {
	got := ReportableDirectives()
	assert.Equal(t, ScriptSrcElem, got[0], "element-level directives come first, as reports mostly name them")
	for _, d := range got {
		assert.True(t, d.Known(), d)
	}
	for _, d := range []Directive{ScriptSrc, StyleSrcAttr, FrameAncestors, BaseURI, RequireTrustedTypesFor, TrustedTypes} {
		assert.Contains(t, got, d)
	}
	// A report names the directive default-src stood in for, and these
	// never cause a violation of their own.
	for _, d := range []Directive{DefaultSrc, ReportURI, ReportTo, Sandbox, UpgradeInsecureRequests} {
		assert.NotContains(t, got, d)
	}
}

func TestTakesSources(t *testing.T) {
	for d, want := range map[Directive]bool{
		ScriptSrc: true, DefaultSrc: true, BaseURI: true, FormAction: true, FrameAncestors: true,
		ReportURI: false, ReportTo: false, Sandbox: false, TrustedTypes: false, "nope": false,
	} {
		assert.Equal(t, want, d.TakesSources(), d)
	}
}

func TestSourceKind(t *testing.T) {
	tests := []struct {
		s     Source
		kind  SourceKind
		nonce string // NonceValue, "" unless a nonce source
	}{
		{Self, KeywordSource, ""},
		{StrictDynamic, KeywordSource, ""},
		{"'unknown-keyword'", KeywordSource, ""},
		{Nonce, NonceSource, NoncePlaceholder},
		{"'nonce-bm9uY2U='", NonceSource, "bm9uY2U="},
		{SHA256("x"), HashSource, ""},
		{"'sha384-abc'", HashSource, ""},
		{"'sha1-abc'", KeywordSource, ""},
		{HTTPS, SchemeSource, ""},
		{"data:", SchemeSource, ""},
		{"cdn.example.com", HostSource, ""},
		{"https://*.example.com:443/js/", HostSource, ""},
		{"*", HostSource, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.s), func(t *testing.T) {
			assert.Equal(t, tt.kind, tt.s.Kind())
			v, ok := tt.s.NonceValue()
			assert.Equal(t, tt.nonce, v)
			assert.Equal(t, tt.kind == NonceSource, ok)
		})
	}
}
