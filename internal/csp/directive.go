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

// Deprecated directives are still accepted so that the linter can explain
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

var directiveKinds = map[Directive]valueKind{
	DefaultSrc: kindSourceList, ScriptSrc: kindSourceList, ScriptSrcElem: kindSourceList,
	ScriptSrcAttr: kindSourceList, StyleSrc: kindSourceList, StyleSrcElem: kindSourceList,
	StyleSrcAttr: kindSourceList, ImgSrc: kindSourceList, FontSrc: kindSourceList,
	ConnectSrc: kindSourceList, MediaSrc: kindSourceList, ObjectSrc: kindSourceList,
	FrameSrc: kindSourceList, ChildSrc: kindSourceList, WorkerSrc: kindSourceList,
	ManifestSrc: kindSourceList, FencedFrameSrc: kindSourceList, PrefetchSrc: kindSourceList,
	BaseURI: kindSourceList, FormAction: kindSourceList,
	FrameAncestors:          kindAncestors,
	Sandbox:                 kindSandbox,
	ReportURI:               kindURIs,
	ReportTo:                kindToken,
	UpgradeInsecureRequests: kindEmpty,
	BlockAllMixedContent:    kindEmpty,
	RequireTrustedTypesFor:  kindTrustedTypesFor,
	TrustedTypes:            kindTrustedTypes,
	WebRTC:                  kindWebRTC,
	PluginTypes:             kindMediaTypes,
}

// Known reports whether d is a directive this package understands.
func (d Directive) Known() bool {
	_, ok := directiveKinds[d]
	return ok
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

// fallbacks lists, for each fetch directive, the directives a browser uses
// in order when it is absent (CSP3 §6.8.3, "Get the effective directive").
var fallbacks = map[Directive][]Directive{
	ScriptSrcElem: {ScriptSrc, DefaultSrc},
	ScriptSrcAttr: {ScriptSrc, DefaultSrc},
	StyleSrcElem:  {StyleSrc, DefaultSrc},
	StyleSrcAttr:  {StyleSrc, DefaultSrc},
	WorkerSrc:     {ChildSrc, ScriptSrc, DefaultSrc},
	FrameSrc:      {ChildSrc, DefaultSrc},
	ScriptSrc:     {DefaultSrc},
	StyleSrc:      {DefaultSrc},
	ObjectSrc:     {DefaultSrc},
	ChildSrc:      {DefaultSrc},
	ImgSrc:        {DefaultSrc},
	FontSrc:       {DefaultSrc},
	ConnectSrc:    {DefaultSrc},
	MediaSrc:      {DefaultSrc},
	ManifestSrc:   {DefaultSrc},
	PrefetchSrc:   {DefaultSrc},
	// fenced-frame-src falls back like frame-src does.
	FencedFrameSrc: {FrameSrc, ChildSrc, DefaultSrc},
}

// effective returns the directive whose sources govern d, and false when
// neither d nor any fallback is set, so nothing restricts it.
func (p Policy) effective(d Directive) (Directive, bool) {
	for _, c := range append([]Directive{d}, fallbacks[d]...) {
		if p.Has(c) {
			return c, true
		}
	}
	return "", false
}
