package suggest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/lint"
	"github.com/noncekit/noncekit/csp/report"
)

// site is the kit's site policy (server.DefaultPolicies), written out: the
// suggester must not depend on the server.
var site = csp.New().
	Set(csp.DefaultSrc, csp.Self).
	Set(csp.ScriptSrc, csp.Nonce, csp.StrictDynamic).
	Set(csp.StyleSrc, csp.Self, csp.Nonce).
	Set(csp.ObjectSrc, csp.None).
	Set(csp.BaseURI, csp.None).
	Set(csp.FrameAncestors, csp.None).
	Set(csp.FormAction, csp.Self)

const siteHeader = "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

var bases = Options{Bases: []Base{{"site", site}}}

// agg is an aggregate of group "g", disposition enforce, on /page.
func agg(directive, blocked string) report.Aggregate {
	return report.Aggregate{Group: "g", Directive: directive, BlockedURL: blocked, DocumentPath: "/page",
		Disposition: "enforce", Count: 1, FirstSeen: time.Unix(0, 0).UTC(), LastSeen: time.Unix(0, 0).UTC()}
}

func withSample(a report.Aggregate, sample string) report.Aggregate { a.Sample = sample; return a }

func refusalKinds(s Suggestion) []string {
	var out []string
	for _, r := range s.Refused {
		out = append(out, r.Kind)
	}
	return out
}

// assertSafe is the package's promise about any suggestion: no High lint
// finding, and none of the sources it never suggests.
func assertSafe(t *testing.T, s Suggestion) {
	t.Helper()
	delivery := lint.AsHeader
	if s.Disposition == "report" {
		delivery = lint.AsReportOnly
	}
	if len(s.Changes) > 0 {
		for _, f := range lint.Policy(s.Policy, delivery) {
			assert.NotEqual(t, lint.High, f.Severity, "suggested policy %q: %s", s.Value, f)
		}
		require.NoError(t, s.Policy.Validate())
	}
	for _, c := range s.Changes {
		assert.Empty(t, forbidden(c.Directive, c.Source), "change %+v", c)
		if strings.HasPrefix(string(c.Source), "ws") {
			assert.Equal(t, csp.ConnectSrc, c.Directive, "websockets are for connect-src: %+v", c)
		}
		if c.Directive == csp.TrustedTypes {
			assert.True(t, s.Declared.Has(csp.TrustedTypes), "never a new trusted-types directive: %+v", c)
		}
	}
	for _, bad := range []string{"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*"} {
		if !strings.Contains(s.Declared.String(), bad) {
			assert.NotContains(t, s.Value, bad)
		}
	}
}

// TestSuggest goes from report sets to suggestions: every kind of source
// the suggester adds, and every refusal.
func TestSuggest(t *testing.T) {
	tests := []struct {
		name    string
		policy  csp.Policy
		aggs    []report.Aggregate
		value   string // "" when no change
		goExpr  string
		notes   []string // substrings of the resolved changes' notes, in order
		refused []string // refusal kinds, in output order
		allowed int
	}{
		{
			name:   "image from another origin",
			policy: site, aggs: []report.Aggregate{agg("img-src", "https://images.example.com/a/b.png")},
			value:  siteHeader + "; img-src 'self' https://images.example.com",
			goExpr: `site.Add(csp.ImgSrc, "https://images.example.com")`,
		},
		{
			name:   "one origin, two pages and two files: one change",
			policy: site,
			aggs: []report.Aggregate{agg("img-src", "https://images.example.com/a.png"),
				func() report.Aggregate {
					a := agg("img-src", "https://images.example.com/b.png")
					a.DocumentPath = "/other"
					return a
				}()},
			value:  siteHeader + "; img-src 'self' https://images.example.com",
			goExpr: `site.Add(csp.ImgSrc, "https://images.example.com")`,
		},
		{
			name:   "two origins in one directive share a call",
			policy: site,
			aggs:   []report.Aggregate{agg("font-src", "https://b.example/f.woff2"), agg("font-src", "https://a.example/f.woff2")},
			value:  siteHeader + "; font-src 'self' https://a.example https://b.example",
			goExpr: `site.Add(csp.FontSrc, "https://a.example", "https://b.example")`,
		},
		{
			name:   "default port dropped, other port and websocket kept",
			policy: site,
			aggs:   []report.Aggregate{agg("connect-src", "https://api.example.com:443/v1"), agg("connect-src", "wss://live.example.com:8443/socket")},
			value:  siteHeader + "; connect-src 'self' https://api.example.com wss://live.example.com:8443",
			goExpr: `site.Add(csp.ConnectSrc, "https://api.example.com", "wss://live.example.com:8443")`,
		},
		{
			name:   "host is lower-cased",
			policy: site, aggs: []report.Aggregate{agg("media-src", "https://Media.Example.COM/v.mp4")},
			value:  siteHeader + "; media-src 'self' https://media.example.com",
			goExpr: `site.Add(csp.MediaSrc, "https://media.example.com")`,
		},
		{
			name:    "external script under 'strict-dynamic': no host, which browsers ignore; the nonce or a hash instead",
			policy:  site,
			aggs:    []report.Aggregate{agg("script-src-elem", "https://cdn.example.com/lib.js")},
			refused: []string{kindScriptNeedsNonce},
		},
		{
			name:    "external script already listed under 'strict-dynamic': the tag needs the nonce",
			policy:  site.Add(csp.ScriptSrc, "https://cdn.example.com"),
			aggs:    []report.Aggregate{agg("script-src-elem", "https://cdn.example.com/lib.js")},
			refused: []string{kindScriptNeedsNonce},
		},
		{
			name:   "external script under a nonce without 'strict-dynamic': the host works",
			policy: site.Replace(csp.ScriptSrc, csp.Nonce),
			aggs:   []report.Aggregate{agg("script-src-elem", "https://cdn.example.com/lib.js")},
			value:  "default-src 'self'; script-src 'nonce-{nonce}' https://cdn.example.com; style-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
			goExpr: `csp.New().Set(csp.DefaultSrc, csp.Self).Set(csp.ScriptSrc, csp.Nonce).Set(csp.StyleSrc, csp.Self, csp.Nonce).Set(csp.ObjectSrc, csp.None).Set(csp.BaseURI, csp.None).Set(csp.FrameAncestors, csp.None).Set(csp.FormAction, csp.Self).Add(csp.ScriptSrc, "https://cdn.example.com")`,
			notes:  []string{""},
		},
		{
			name:    "a host known for JSONP is refused by the linter",
			policy:  site.Replace(csp.ScriptSrc, csp.Nonce),
			aggs:    []report.Aggregate{agg("script-src-elem", "https://www.google.com/tools/feedback/escalation-options")},
			refused: []string{"lint-high"},
		},
		{
			name:    "external script in a host allowlist group: no script hosts without a nonce",
			policy:  site.Replace(csp.ScriptSrc, csp.Self),
			aggs:    []report.Aggregate{agg("script-src-elem", "https://cdn.example.com/lib.js")},
			refused: []string{kindScriptHostNoNonce},
		},
		{
			name:   "stylesheet from another origin extends style-src, which every browser reads",
			policy: site, aggs: []report.Aggregate{agg("style-src-elem", "https://fonts.googleapis.com/css2")},
			value:  "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'self' 'nonce-{nonce}' https://fonts.googleapis.com; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
			goExpr: `site.Add(csp.StyleSrc, "https://fonts.googleapis.com")`,
		},
		{
			name:   "a frame, from the fallback chain",
			policy: site, aggs: []report.Aggregate{agg("frame-src", "https://www.youtube-nocookie.com/embed/x")},
			value:  siteHeader + "; frame-src 'self' https://www.youtube-nocookie.com",
			goExpr: `site.Add(csp.FrameSrc, "https://www.youtube-nocookie.com")`,
		},
		{
			name:   "a worker from another origin gets a worker-src of its own, not script-src's nonce",
			policy: site, aggs: []report.Aggregate{agg("worker-src", "https://workers.example.com/w.js")},
			value:  siteHeader + "; worker-src https://workers.example.com",
			goExpr: `site.Set(csp.WorkerSrc, "https://workers.example.com")`,
		},
		{
			name:   "two workers: one worker-src",
			policy: site, aggs: []report.Aggregate{agg("worker-src", "https://w1.example/w.js"), agg("worker-src", "https://w2.example/w.js")},
			value:  siteHeader + "; worker-src https://w1.example https://w2.example",
			goExpr: `site.Set(csp.WorkerSrc, "https://w1.example", "https://w2.example")`,
		},
		{
			name:   "a form posting to another origin",
			policy: site, aggs: []report.Aggregate{agg("form-action", "https://pay.example.com/checkout")},
			value:  "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self' https://pay.example.com",
			goExpr: `site.Add(csp.FormAction, "https://pay.example.com")`,
		},
		{
			name:   "data: and blob: images, data: fonts",
			policy: site,
			aggs:   []report.Aggregate{agg("img-src", "data"), agg("img-src", "blob"), agg("font-src", "data")},
			value:  siteHeader + "; img-src 'self' blob: data:; font-src 'self' data:",
			goExpr: `site.Add(csp.ImgSrc, csp.Blob, csp.Data).Add(csp.FontSrc, csp.Data)`,
		},
		{
			name:   "WebAssembly compilation",
			policy: site, aggs: []report.Aggregate{agg("script-src", "wasm-eval")},
			value:  "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; style-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
			goExpr: `site.Add(csp.ScriptSrc, csp.WasmUnsafeEval)`,
		},
		{
			name:   "a Trusted Types policy name",
			policy: site.Set(csp.RequireTrustedTypesFor, "'script'").Set(csp.TrustedTypes, "app"),
			aggs:   []report.Aggregate{withSample(agg("trusted-types", "trusted-types-policy"), "dompurify")},
			value:  siteHeader + "; require-trusted-types-for 'script'; trusted-types app dompurify",
			goExpr: `csp.New().Set(csp.DefaultSrc, csp.Self).Set(csp.ScriptSrc, csp.Nonce, csp.StrictDynamic).Set(csp.StyleSrc, csp.Self, csp.Nonce).Set(csp.ObjectSrc, csp.None).Set(csp.BaseURI, csp.None).Set(csp.FrameAncestors, csp.None).Set(csp.FormAction, csp.Self).Set(csp.RequireTrustedTypesFor, "'script'").Set(csp.TrustedTypes, "app").Add(csp.TrustedTypes, "dompurify")`,
		},
		// Every refusal.
		{name: "inline script", policy: site, aggs: []report.Aggregate{agg("script-src-elem", "inline")}, refused: []string{kindInlineScript}},
		{name: "inline script, CSP2 browser", policy: site, aggs: []report.Aggregate{agg("script-src", "inline")}, refused: []string{kindInlineScript}},
		{name: "javascript: URL", policy: site, aggs: []report.Aggregate{withSample(agg("script-src-elem", "inline"), "javascript:void(0)")}, refused: []string{kindJavaScriptURL}},
		{name: "inline handler", policy: site, aggs: []report.Aggregate{withSample(agg("script-src-attr", "inline"), "noncekitMark(this)")}, refused: []string{kindInlineHandler}},
		{name: "eval", policy: site, aggs: []report.Aggregate{agg("script-src", "eval")}, refused: []string{kindEval}},
		{name: "inline style", policy: site, aggs: []report.Aggregate{agg("style-src-elem", "inline")}, refused: []string{kindInlineStyle}},
		{name: "style attribute", policy: site, aggs: []report.Aggregate{agg("style-src-attr", "inline")}, refused: []string{kindStyleAttribute}},
		{name: "Trusted Types sink", policy: site.Set(csp.RequireTrustedTypesFor, "'script'"),
			aggs: []report.Aggregate{agg("require-trusted-types-for", "trusted-types-sink")}, refused: []string{kindTrustedTypesSink}},
		{name: "Trusted Types policy name that is not one", policy: site.Set(csp.TrustedTypes, "app"),
			aggs: []report.Aggregate{withSample(agg("trusted-types", "trusted-types-policy"), "'none'")}, refused: []string{kindTrustedTypesName}},
		{name: "object", policy: site, aggs: []report.Aggregate{agg("object-src", "https://plugins.example.com/x.swf")}, refused: []string{kindObject}},
		{name: "base", policy: site, aggs: []report.Aggregate{agg("base-uri", "https://evil.example/")}, refused: []string{kindBase}},
		{name: "framed by another site", policy: site, aggs: []report.Aggregate{agg("frame-ancestors", "https://site.example/page")}, refused: []string{kindFrameAncestors}},
		{name: "data: script", policy: site, aggs: []report.Aggregate{agg("script-src-elem", "data")}, refused: []string{kindScriptURL}},
		{name: "blob: worker", policy: site, aggs: []report.Aggregate{agg("worker-src", "blob")}, refused: []string{kindScriptURL}},
		{name: "data: stylesheet", policy: site, aggs: []report.Aggregate{agg("style-src-elem", "data")}, refused: []string{kindScheme}},
		{name: "blob: font", policy: site, aggs: []report.Aggregate{agg("font-src", "blob")}, refused: []string{kindScheme}},
		{name: "a websocket URL outside connect-src", policy: site, aggs: []report.Aggregate{agg("img-src", "wss://x.example/s")}, refused: []string{kindUnknown}},
		{name: "a websocket URL as a script", policy: site, aggs: []report.Aggregate{agg("script-src-elem", "wss://x.example/s")}, refused: []string{kindUnknown}},
		{name: "a websocket URL as a stylesheet", policy: site, aggs: []report.Aggregate{agg("style-src-elem", "ws://x.example/s")}, refused: []string{kindUnknown}},
		{name: "a Trusted Types policy name against a policy that lists none", policy: site.Set(csp.RequireTrustedTypesFor, "'script'"),
			aggs: []report.Aggregate{withSample(agg("trusted-types", "trusted-types-policy"), "app")}, refused: []string{kindTrustedTypesName}},
		{name: "IPv6 literal", policy: site, aggs: []report.Aggregate{agg("img-src", "http://[::1]:8080/x.png")}, refused: []string{"invalid-source"}},
		{name: "wildcard in a forged host", policy: site, aggs: []report.Aggregate{agg("img-src", "https://*.example.com/x.png")}, refused: []string{"invalid-source"}},
		{name: "an unknown directive", policy: site, aggs: []report.Aggregate{agg("navigate-to", "https://x.example/")}, refused: []string{kindUnknown}},
		{name: "a policy with a High finding suggests nothing",
			policy: site.Replace(csp.ScriptSrc, csp.Self, csp.UnsafeInline),
			aggs:   []report.Aggregate{agg("img-src", "https://images.example.com/a.png")}, refused: []string{"policy-has-high-finding"}},
		// What is not a suggestion at all.
		{name: "already allowed", policy: site.Add(csp.ImgSrc, "https://images.example.com"),
			aggs: []report.Aggregate{agg("img-src", "https://images.example.com/a.png")}, allowed: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ss := Suggest(csp.Group{Name: "g", Enforce: tt.policy}, tt.aggs, bases)
			require.Len(t, ss, 1)
			s := ss[0]
			assertSafe(t, s)
			assert.Equal(t, "g", s.Group)
			assert.Equal(t, csp.HeaderCSP, s.Header)
			assert.Equal(t, tt.value, s.Value)
			assert.Equal(t, tt.goExpr, s.Go)
			assert.Equal(t, tt.refused, refusalKinds(s))
			assert.Len(t, s.Allowed, tt.allowed)
			if tt.value == "" {
				assert.Empty(t, s.Changes)
				assert.Equal(t, tt.policy.String(), s.Policy.String(), "no change: the declared policy")
			} else {
				p, err := csp.Parse(s.Value)
				require.NoError(t, err, "the header parses")
				assert.Equal(t, s.Value, p.String())
			}
			for i, note := range tt.notes {
				require.Greater(t, len(s.Changes), i)
				if note == "" {
					assert.Empty(t, s.Changes[i].Note)
				} else {
					assert.Contains(t, s.Changes[i].Note, note)
				}
			}
			assert.Equal(t, tt.value != "" || len(tt.refused) > 0, s.Pending())
			n := len(s.Resolved) + len(s.Refused) + len(s.Allowed)
			assert.Equal(t, len(tt.aggs), n, "every report is resolved, refused or already allowed")
			for _, r := range s.Refused {
				assert.NotEmpty(t, r.Why, r.Kind)
				assert.NotEmpty(t, r.Instead, r.Kind)
			}
		})
	}
}

// TestRefusalsSayWhatToDoInstead pins the rewrite each refusal proposes.
func TestRefusalsSayWhatToDoInstead(t *testing.T) {
	tests := []struct {
		agg     report.Aggregate
		instead []string
	}{
		{agg("script-src-elem", "inline"), []string{"csp.InlineScript", "csp.Script"}},
		{withSample(agg("script-src-attr", "inline"), "go()"), []string{"addEventListener"}},
		{withSample(agg("script-src", "eval"), `{"a": 1}`), []string{"looks like data", "JSON.parse"}},
		{withSample(agg("script-src", "eval"), "app.run(1)"), []string{"calls a function by name", "actions[name]()"}},
		{withSample(agg("script-src", "eval"), "1 + 1"), []string{"JSON.parse", "map of functions", "setTimeout"}},
		{agg("style-src-attr", "inline"), []string{"class"}},
		{agg("style-src-elem", "inline"), []string{"csp.InlineStyle"}},
		{withSample(agg("script-src-elem", "inline"), "javascript:go()"), []string{"<button>", "addEventListener"}},
	}
	for _, tt := range tests {
		ss := Suggest(csp.Group{Name: "g", Enforce: site}, []report.Aggregate{tt.agg}, Options{})
		require.Len(t, ss, 1)
		require.Len(t, ss[0].Refused, 1, "%+v", tt.agg)
		for _, s := range tt.instead {
			assert.Contains(t, ss[0].Refused[0].Instead, s, "%s %s sample %q", tt.agg.Directive, tt.agg.BlockedURL, tt.agg.Sample)
		}
		assert.Contains(t, ss[0].Refused[0].Why, "'unsafe-", "the refusal names the unsafe keyword it will not use")
	}
}

// TestDispositionsAndGroups: each report goes to the policy it broke;
// noise, other groups' reports and policies the group no longer sends are
// left out.
func TestDispositionsAndGroups(t *testing.T) {
	ro := site.Set(csp.RequireTrustedTypesFor, "'script'")
	g := csp.Group{Name: "g", Enforce: site, ReportOnly: ro}
	reportOnly := agg("img-src", "https://r.example/x.png")
	reportOnly.Disposition = "report"
	unknown := agg("img-src", "https://u.example/x.png")
	unknown.Disposition = "unknown"
	other := agg("img-src", "https://other.example/x.png")
	other.Group = "other"
	noise := agg("script-src-elem", "chrome-extension")
	noiseSource := agg("script-src-elem", "inline")
	noiseSource.SourceFile = "moz-extension://abc/content.js"
	aggs := []report.Aggregate{agg("img-src", "https://e.example/x.png"), reportOnly, unknown, other, noise, noiseSource}

	ss := Suggest(g, aggs, bases)
	require.Len(t, ss, 2)
	assert.Equal(t, "enforce", ss[0].Disposition)
	assert.Equal(t, "Enforce", ss[0].Field)
	assert.Equal(t, `site.Add(csp.ImgSrc, "https://e.example", "https://u.example")`, ss[0].Go, "unknown goes to the enforced policy")
	assert.Equal(t, "report", ss[1].Disposition)
	assert.Equal(t, csp.HeaderCSPReportOnly, ss[1].Header)
	assert.Equal(t, "ReportOnly", ss[1].Field)
	assert.Equal(t, ro.Add(csp.ImgSrc, "https://r.example").String(), ss[1].Value)
	for _, s := range ss {
		assertSafe(t, s)
		assert.Empty(t, s.Refused, "noise is never refused: it is left out")
	}

	// A report-only group: unknown goes to its one policy; enforce
	// reports are about a policy it no longer sends.
	ss = Suggest(csp.Group{Name: "g", ReportOnly: site}, []report.Aggregate{unknown, agg("img-src", "https://e.example/x.png")}, bases)
	require.Len(t, ss, 1)
	assert.Equal(t, `site.Add(csp.ImgSrc, "https://u.example")`, ss[0].Go)

	assert.Empty(t, Suggest(csp.Group{Name: "g", Exempt: true}, aggs, bases))
	assert.Empty(t, Suggest(g, []report.Aggregate{noise, other}, bases), "nothing of this group but noise")

	// Groups keeps the groups' order and skips the ones without reports.
	infos := []csp.GroupInfo{{Group: csp.Group{Name: "quiet", Enforce: site}}, {Group: csp.Group{Name: "other", Enforce: site}}, {Group: g}}
	all := Groups(infos, aggs, bases)
	require.Len(t, all, 3)
	assert.Equal(t, []string{"other", "g", "g"}, []string{all[0].Group, all[1].Group, all[2].Group})
}

// TestForbiddenSources pins the guard every change passes.
func TestForbiddenSources(t *testing.T) {
	for _, tt := range []struct {
		d   csp.Directive
		s   csp.Source
		bad bool
	}{
		{csp.ScriptSrc, csp.UnsafeInline, true},
		{csp.ScriptSrc, csp.UnsafeEval, true},
		{csp.ScriptSrc, csp.UnsafeHashes, true},
		{csp.StyleSrcAttr, csp.UnsafeInline, true},
		{csp.ImgSrc, "*", true},
		{csp.ImgSrc, "https://*.example.com", true},
		{csp.ScriptSrc, csp.HTTPS, true},
		{csp.ScriptSrc, csp.Data, true},
		{csp.WorkerSrc, csp.Blob, true},
		{csp.DefaultSrc, csp.Data, true},
		{csp.ImgSrc, csp.HTTPS, true},
		{csp.ImgSrc, "http:", true},
		{csp.ScriptSrc, csp.Self, true},
		{csp.ScriptSrc, "'nonce-abcdefghijklmnopqrstuv'", true},
		{csp.ScriptSrc, csp.SHA256("x"), true},
		{csp.ImgSrc, csp.Data, false},
		{csp.MediaSrc, csp.Blob, false},
		{csp.ImgSrc, "https://images.example.com", false},
		{csp.ScriptSrc, "https://cdn.example.com", false},
		{csp.ScriptSrc, csp.WasmUnsafeEval, false},
	} {
		assert.Equal(t, tt.bad, forbidden(tt.d, tt.s) != "", "%s %s", tt.d, tt.s)
	}
}

// TestWrite pins the text the command prints.
func TestWrite(t *testing.T) {
	aggs := []report.Aggregate{
		agg("img-src", "https://images.example.com/a.png"),
		withSample(agg("script-src-attr", "inline"), "go()"),
		agg("script-src-elem", "https://cdn.example.com/lib.js"),
	}
	var b strings.Builder
	require.NoError(t, Write(&b, Suggest(csp.Group{Name: "g", Enforce: site}, aggs, bases)))
	want := `g: Content-Security-Policy (Enforce), 3 kinds of report: 1 resolved, 2 refused

  Header:
    Content-Security-Policy: default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; img-src 'self' https://images.example.com

  Go (the group's Enforce policy in the route table):
    site.Add(csp.ImgSrc, "https://images.example.com")

  Resolves:
    img-src https://images.example.com/a.png on /page (enforce, 1 time)
      img-src gets https://images.example.com.

  Refused:
    script-src-elem https://cdn.example.com/lib.js on /page (enforce, 1 time)
      Why: ` + fmt.Sprintf(refusalTexts[kindScriptNeedsNonce][0], "https://cdn.example.com") + `
      Instead: ` + refusalTexts[kindScriptNeedsNonce][1] + `
    script-src-attr inline on /page (enforce, 1 time), sample "go()"
      Why: ` + refusalTexts[kindInlineHandler][0] + `
      Instead: ` + refusalTexts[kindInlineHandler][1] + `
`
	assert.Equal(t, want, b.String())
}

// TestEverySuggestionIsSafe crosses every reportable directive with blocked
// values of every shape, under policies of every kind the kit declares,
// in both dispositions: whatever the reports, no suggested policy has a
// High lint finding or a source the package never suggests.
func TestEverySuggestionIsSafe(t *testing.T) {
	policies := map[string]csp.Policy{
		"site":         site,
		"api":          csp.New().Set(csp.DefaultSrc, csp.None).Set(csp.FrameAncestors, csp.None),
		"allowlist":    site.Replace(csp.ScriptSrc, csp.Self),
		"nonce only":   site.Replace(csp.ScriptSrc, csp.Nonce),
		"elem set":     site.Set(csp.ScriptSrcElem, csp.Nonce, csp.Self).Set(csp.StyleSrcElem, csp.Self),
		"hashes":       site.Add(csp.ScriptSrc, csp.SHA256("x")),
		"trusted":      site.Set(csp.RequireTrustedTypesFor, "'script'").Set(csp.TrustedTypes, "app"),
		"worker":       site.Set(csp.WorkerSrc, csp.Self),
		"no fallbacks": csp.New().Set(csp.DefaultSrc, csp.Self).Set(csp.ObjectSrc, csp.None),
	}
	blocked := []string{"inline", "eval", "wasm-eval", "trusted-types-policy", "trusted-types-sink", "data", "blob",
		"chrome-extension", "filesystem", "self", "https://cdn.example.com/x.js", "http://cdn.example.com:8080/x",
		"wss://live.example.com/s", "https://www.google.com/tools/feedback/escalation-options", "https://ajax.googleapis.com/x.js",
		"http://127.0.0.1:8080/x", "https://*.example.com/x", "https://[::1]/x", "javascript:alert(1)", "https://a.example/x;y"}
	samples := []string{"", "javascript:void(0)", `{"a":1}`, "go()", "app", "'none'", "*"}
	var aggs []report.Aggregate
	for _, d := range append(csp.ReportableDirectives(), "navigate-to", "default-src") {
		for _, b := range blocked {
			for _, smp := range samples {
				for _, disp := range []string{"enforce", "report"} {
					a := withSample(agg(string(d), b), smp)
					a.Disposition = disp
					aggs = append(aggs, a)
				}
			}
		}
	}
	for name, p := range policies {
		t.Run(name, func(t *testing.T) {
			ss := Suggest(csp.Group{Name: "g", Enforce: p, ReportOnly: p}, aggs, bases)
			require.Len(t, ss, 2)
			for _, s := range ss {
				assertSafe(t, s)
				noise := len(aggs) / len(blocked) / 2 // chrome-extension's share
				assert.Equal(t, len(aggs)/2-noise, len(s.Resolved)+len(s.Refused)+len(s.Allowed), "every report but noise accounted for")
			}
		})
	}
}
