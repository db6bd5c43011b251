package csp

// Directive is the name of a CSP directive, such as "script-src".
type Directive string

// Fetch directives: which sources a kind of resource may load from.
const (
	DefaultSrc     Directive = "default-src"
	ScriptSrc      Directive = "script-src"
	ScriptSrcElem  Directive = "script-src-elem"
	ScriptSrcAttr  Directive = "script-src-attr"
	StyleSrc       Directive = "style-src"
	StyleSrcElem   Directive = "style-src-elem"
	StyleSrcAttr   Directive = "style-src-attr"
	ImgSrc         Directive = "img-src"
	FontSrc        Directive = "font-src"
	ConnectSrc     Directive = "connect-src"
	MediaSrc       Directive = "media-src"
	ObjectSrc      Directive = "object-src"
	FrameSrc       Directive = "frame-src"
	ChildSrc       Directive = "child-src"
	WorkerSrc      Directive = "worker-src"
	ManifestSrc    Directive = "manifest-src"
	FencedFrameSrc Directive = "fenced-frame-src"
)

// Document, navigation and reporting directives.
const (
	BaseURI                 Directive = "base-uri"
	Sandbox                 Directive = "sandbox"
	FormAction              Directive = "form-action"
	FrameAncestors          Directive = "frame-ancestors"
	ReportURI               Directive = "report-uri"
	ReportTo                Directive = "report-to"
	UpgradeInsecureRequests Directive = "upgrade-insecure-requests"
	RequireTrustedTypesFor  Directive = "require-trusted-types-for"
	TrustedTypes            Directive = "trusted-types"
	WebRTC                  Directive = "webrtc"
)

// Deprecated directives are still accepted so that package lint can explain
// them, but nothing in the kit uses them.
const (
	BlockAllMixedContent Directive = "block-all-mixed-content"
	PrefetchSrc          Directive = "prefetch-src"
	PluginTypes          Directive = "plugin-types"
)

// valueKind says what grammar a directive's values follow.
type valueKind int

const (
	kindSourceList      valueKind = iota // serialized-source-list
	kindAncestors                        // ancestor-source-list: no keywords but 'self' and 'none'
	kindSandbox                          // sandbox tokens, may be empty
	kindURIs                             // report-uri: one or more URI references
	kindToken                            // report-to: exactly one endpoint name
	kindEmpty                            // no value at all
	kindTrustedTypesFor                  // 'script'
	kindTrustedTypes                     // policy names and keywords
	kindWebRTC                           // 'allow' or 'block'
	kindMediaTypes                       // plugin-types
)

// directiveInfo is what this package knows about one directive.
type directiveInfo struct {
	name Directive
	kind valueKind
	// fallbacks are the directives a browser uses, in order, when this
	// fetch directive is absent (CSP3 §6.8.3, "Get the effective directive").
	fallbacks []Directive
	// reportable says a violation report can name the directive as its
	// effective directive. default-src never is: a report names the
	// directive the fallback stood in for.
	reportable bool
}

// directiveTable lists every directive this package understands, the
// reportable ones in the order [ReportableDirectives] returns them: the
// element-level script and style directives before the ones they fall back to.
var directiveTable = []directiveInfo{
	{ScriptSrcElem, kindSourceList, []Directive{ScriptSrc, DefaultSrc}, true},
	{ScriptSrcAttr, kindSourceList, []Directive{ScriptSrc, DefaultSrc}, true},
	{ScriptSrc, kindSourceList, []Directive{DefaultSrc}, true},
	{StyleSrcElem, kindSourceList, []Directive{StyleSrc, DefaultSrc}, true},
	{StyleSrcAttr, kindSourceList, []Directive{StyleSrc, DefaultSrc}, true},
	{StyleSrc, kindSourceList, []Directive{DefaultSrc}, true},
	{ImgSrc, kindSourceList, []Directive{DefaultSrc}, true},
	{FontSrc, kindSourceList, []Directive{DefaultSrc}, true},
	{ConnectSrc, kindSourceList, []Directive{DefaultSrc}, true},
	{MediaSrc, kindSourceList, []Directive{DefaultSrc}, true},
	{ObjectSrc, kindSourceList, []Directive{DefaultSrc}, true},
	{FrameSrc, kindSourceList, []Directive{ChildSrc, DefaultSrc}, true},
	{ChildSrc, kindSourceList, []Directive{DefaultSrc}, true},
	{WorkerSrc, kindSourceList, []Directive{ChildSrc, ScriptSrc, DefaultSrc}, true},
	{ManifestSrc, kindSourceList, []Directive{DefaultSrc}, true},
	{FrameAncestors, kindAncestors, nil, true},
	{FormAction, kindSourceList, nil, true},
	{BaseURI, kindSourceList, nil, true},
	{RequireTrustedTypesFor, kindTrustedTypesFor, nil, true},
	{TrustedTypes, kindTrustedTypes, nil, true},

	{DefaultSrc, kindSourceList, nil, false},
	// fenced-frame-src falls back like frame-src does.
	{FencedFrameSrc, kindSourceList, []Directive{FrameSrc, ChildSrc, DefaultSrc}, false},
	{Sandbox, kindSandbox, nil, false},
	{ReportURI, kindURIs, nil, false},
	{ReportTo, kindToken, nil, false},
	{UpgradeInsecureRequests, kindEmpty, nil, false},
	{WebRTC, kindWebRTC, nil, false},
	{BlockAllMixedContent, kindEmpty, nil, false},
	{PrefetchSrc, kindSourceList, []Directive{DefaultSrc}, false},
	{PluginTypes, kindMediaTypes, nil, false},
}

// directiveIndex finds a directive's entry in directiveTable.
var directiveIndex = func() map[Directive]*directiveInfo {
	m := make(map[Directive]*directiveInfo, len(directiveTable))
	for i := range directiveTable {
		m[directiveTable[i].name] = &directiveTable[i]
	}
	return m
}()

// Known reports whether d is a directive this package understands.
func (d Directive) Known() bool {
	_, ok := directiveIndex[d]
	return ok
}

// TakesSources reports whether d's value is a source list (hosts, schemes,
// keywords, nonces, hashes), as the fetch directives, base-uri, form-action
// and frame-ancestors take, rather than tokens of its own grammar.
func (d Directive) TakesSources() bool {
	info, ok := directiveIndex[d]
	return ok && (info.kind == kindSourceList || info.kind == kindAncestors)
}

// ReportableDirectives returns the directives a violation report can name
// as its effective directive, element-level ones first. A report never
// names default-src: it names the directive default-src stood in for.
func ReportableDirectives() []Directive {
	var out []Directive
	for _, info := range directiveTable {
		if info.reportable {
			out = append(out, info.name)
		}
	}
	return out
}

// sandboxTokens are the flags the HTML standard defines for sandbox.
var sandboxTokens = map[string]bool{
	"allow-downloads": true, "allow-forms": true, "allow-modals": true,
	"allow-orientation-lock": true, "allow-pointer-lock": true, "allow-popups": true,
	"allow-popups-to-escape-sandbox": true, "allow-presentation": true,
	"allow-same-origin": true, "allow-scripts": true, "allow-storage-access-by-user-activation": true,
	"allow-top-navigation": true, "allow-top-navigation-by-user-activation": true,
	"allow-top-navigation-to-custom-protocols": true,
}

// Effective returns the directive whose sources govern d in p: d itself
// when p sets it, otherwise the first fallback p sets (script-src-elem
// falls back to script-src, then default-src). It returns false when
// neither d nor any fallback is set, so nothing in p restricts d.
func (p Policy) Effective(d Directive) (Directive, bool) {
	if p.Has(d) {
		return d, true
	}
	if info, ok := directiveIndex[d]; ok {
		for _, c := range info.fallbacks {
			if p.Has(c) {
				return c, true
			}
		}
	}
	return "", false
}
