package suggest

import (
	"strconv"
	"strings"

	"github.com/noncekit/noncekit/csp"
)

// goDirectives are the Go names of package csp's directive constants.
var goDirectives = map[csp.Directive]string{
	csp.DefaultSrc: "DefaultSrc", csp.ScriptSrc: "ScriptSrc", csp.ScriptSrcElem: "ScriptSrcElem",
	csp.ScriptSrcAttr: "ScriptSrcAttr", csp.StyleSrc: "StyleSrc", csp.StyleSrcElem: "StyleSrcElem",
	csp.StyleSrcAttr: "StyleSrcAttr", csp.ImgSrc: "ImgSrc", csp.FontSrc: "FontSrc", csp.ConnectSrc: "ConnectSrc",
	csp.MediaSrc: "MediaSrc", csp.ObjectSrc: "ObjectSrc", csp.FrameSrc: "FrameSrc", csp.ChildSrc: "ChildSrc",
	csp.WorkerSrc: "WorkerSrc", csp.ManifestSrc: "ManifestSrc", csp.FencedFrameSrc: "FencedFrameSrc",
	csp.BaseURI: "BaseURI", csp.Sandbox: "Sandbox", csp.FormAction: "FormAction",
	csp.FrameAncestors: "FrameAncestors", csp.ReportURI: "ReportURI", csp.ReportTo: "ReportTo",
	csp.UpgradeInsecureRequests: "UpgradeInsecureRequests", csp.RequireTrustedTypesFor: "RequireTrustedTypesFor",
	csp.TrustedTypes: "TrustedTypes", csp.WebRTC: "WebRTC", csp.BlockAllMixedContent: "BlockAllMixedContent",
	csp.PrefetchSrc: "PrefetchSrc", csp.PluginTypes: "PluginTypes",
}

// goSources are the Go names of package csp's source constants.
var goSources = map[csp.Source]string{
	csp.Self: "Self", csp.None: "None", csp.UnsafeInline: "UnsafeInline", csp.UnsafeEval: "UnsafeEval",
	csp.UnsafeHashes: "UnsafeHashes", csp.StrictDynamic: "StrictDynamic", csp.ReportSample: "ReportSample",
	csp.WasmUnsafeEval: "WasmUnsafeEval", csp.InlineSpeculationRules: "InlineSpeculationRules",
	csp.UnsafeAllowRedirects: "UnsafeAllowRedirects", csp.Nonce: "Nonce",
	csp.HTTPS: "HTTPS", csp.Data: "Data", csp.Blob: "Blob",
}

func goDirective(d csp.Directive) string {
	if n, ok := goDirectives[d]; ok {
		return "csp." + n
	}
	return "csp.Directive(" + strconv.Quote(string(d)) + ")"
}

func goSource(s csp.Source) string {
	if n, ok := goSources[s]; ok {
		return "csp." + n
	}
	return strconv.Quote(string(s))
}

// goExpr is the Go expression of declared with changes applied, in the
// route table's builder style: from a base's name when declared is one of
// bases, else from csp.New(). Consecutive changes to one directive with
// one operation share a call.
func goExpr(declared csp.Policy, changes []Change, bases []Base) string {
	var b strings.Builder
	if name := baseName(declared, bases); name != "" {
		b.WriteString(name)
	} else {
		b.WriteString("csp.New()")
		for _, d := range declared.Directives() {
			writeCall(&b, opSet, d, declared.Sources(d))
		}
	}
	for i := 0; i < len(changes); {
		c := changes[i]
		sources := []csp.Source{c.Source}
		j := i + 1
		for ; j < len(changes) && changes[j].Op == c.Op && changes[j].Directive == c.Directive; j++ {
			sources = append(sources, changes[j].Source)
		}
		writeCall(&b, c.Op, c.Directive, sources)
		i = j
	}
	return b.String()
}

func writeCall(b *strings.Builder, op string, d csp.Directive, sources []csp.Source) {
	b.WriteString(".")
	b.WriteString(op)
	b.WriteString("(")
	b.WriteString(goDirective(d))
	for _, s := range sources {
		b.WriteString(", ")
		b.WriteString(goSource(s))
	}
	b.WriteString(")")
}

// baseName is the name of the base p equals, or "".
func baseName(p csp.Policy, bases []Base) string {
	for _, base := range bases {
		if base.Name != "" && !base.Policy.IsZero() && base.Policy.String() == p.String() {
			return base.Name
		}
	}
	return ""
}
