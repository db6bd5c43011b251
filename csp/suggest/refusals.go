package suggest

import (
	"strings"

	"github.com/noncekit/noncekit/csp"
)

// Refusal kinds: each is a case no safe policy change allows, with what
// to change in the page instead.
const (
	kindInlineScript      = "inline-script"
	kindJavaScriptURL     = "javascript-url"
	kindInlineHandler     = "inline-handler"
	kindInlineStyle       = "inline-style"
	kindStyleAttribute    = "style-attribute"
	kindEval              = "eval"
	kindTrustedTypesSink  = "trusted-types-sink"
	kindTrustedTypesName  = "trusted-types-policy"
	kindObject            = "object"
	kindBase              = "base"
	kindFrameAncestors    = "frame-ancestors"
	kindScriptURL         = "script-url"
	kindScheme            = "scheme"
	kindScriptHostNoNonce = "script-host-without-nonce"
	kindScriptNeedsNonce  = "script-needs-nonce"
	kindUnknown           = "unknown"
)

// refusalTexts are each kind's Why and Instead.
var refusalTexts = map[string][2]string{
	kindInlineScript: {
		"An inline <script> without the nonce. Allowing it would take 'unsafe-inline', which lets every injected script run (or a hash, which breaks on the next edit).",
		"If it is the site's own, render it through the nonced components: csp.InlineScript(code), a templ script template, or move the code to a file under static/ loaded with csp.Script(src, integrity). If it is not, it is an injection: find where the page echoes input.",
	},
	kindJavaScriptURL: {
		"A javascript: URL (href=\"javascript:…\"), which only 'unsafe-inline' would allow.",
		"Make it a <button> and attach the action with addEventListener from a nonced script.",
	},
	kindInlineHandler: {
		"An inline event handler attribute (onclick=, onload=, …). No nonce can reach an attribute: allowing it would take 'unsafe-inline', or 'unsafe-hashes', which lets a copy of the handler injected anywhere run.",
		"Attach it from a nonced script: el.addEventListener(\"click\", handler); for elements that come and go, one delegated listener on document (document.addEventListener(\"click\", (e) => { const el = e.target.closest(\"[data-action]\"); … })).",
	},
	kindInlineStyle: {
		"An inline <style> block without the nonce. Allowing it would take 'unsafe-inline', which lets injected CSS restyle the page and leak attribute values.",
		"Render it with csp.InlineStyle(css), which stamps the nonce, or move the rules to a stylesheet under static/css.",
	},
	kindStyleAttribute: {
		"A style= attribute. No nonce can reach an attribute: allowing it would take 'unsafe-inline' in style-src-attr.",
		"Give the element a class defined in the stylesheet; for a value computed at run time, set it from a nonced script with el.style.setProperty(…), which the policy does not block.",
	},
	kindEval: {
		"A string compiled into code (eval, new Function, setTimeout(\"…\")). Allowing it would take 'unsafe-eval', under which injected data that reaches such a call runs as script.",
		"For data, JSON.parse(text), which compiles nothing. To pick code by name, a map of functions (const actions = {open, close}; actions[name]()). Pass setTimeout and setInterval a function, not a string. A library that compiles templates at run time has a precompiled build.",
	},
	kindTrustedTypesSink: {
		"A plain string was assigned to a sink that parses HTML or script (innerHTML, script.src, …) under require-trusted-types-for 'script'.",
		"Use textContent or DOM methods (createElement, append), or pass the value through a named Trusted Types policy that sanitises it (trustedTypes.createPolicy).",
	},
	kindTrustedTypesName: {
		"A Trusted Types policy name the suggester cannot add: the report gives none a policy can list, or the group's policy lists no names at all (then its pages cannot have caused the report).",
		"Find the trustedTypes.createPolicy call and add its name to trusted-types by hand if it is the site's own.",
	},
	kindObject: {
		"An <object> or <embed>, which can load plugin content or documents that run script. object-src stays 'none'.",
		"Use the element made for the content: <img>, <video>, <audio>, or an <iframe> allowed by frame-src.",
	},
	kindBase: {
		"A <base> element. base-uri stays 'none': an injected <base> would move the page's nonced scripts to another server, nonce and all.",
		"Remove the <base> and write links in full or relative to the page.",
	},
	kindFrameAncestors: {
		"Another page tried to frame this one. Reports do not say which site framed it, and a forged report could ask for anyone.",
		"If a partner must frame these pages, add its origin in the route table yourself: Replace(csp.FrameAncestors, csp.Self, \"https://partner.example\").",
	},
	kindScriptURL: {
		"A script from a data: or blob: URL. A bare scheme in a script directive would let an injected tag carry its own code.",
		"Move the code into a file under static/ and load it with csp.Script(src, integrity), or have a nonced script insert it.",
	},
	kindScheme: {
		"A resource from a URL scheme the suggester only allows for images, media and fonts (data:, blob:), or never.",
		"Serve the resource from this site or from an exact origin over https.",
	},
	kindScriptHostNoNonce: {
		"An external script, in a group whose scripts are trusted by host rather than by a nonce. The suggester adds script origins only beside the nonce: an allowlist trusts every file on the host, JSONP endpoints included.",
		"Move the group to a nonce policy and load the file with a nonced tag: <script src=\"…\" nonce={ templ.GetNonce(ctx) }>, or csp.Script(src, integrity).",
	},
	kindScriptNeedsNonce: {
		"A script file from %s without the nonce. Under 'strict-dynamic' browsers ignore host sources, so adding the origin to script-src would change nothing: the file runs only when its <script> tag carries the nonce, or integrity with a hash the policy lists.",
		"Load it through the nonced components: csp.Script(src, integrity), or <script src=\"…\" nonce={ templ.GetNonce(ctx) }>. On a cacheable group, which has no nonce, give the tag integrity=\"sha384-…\" and list that hash in script-src (csp.IntegritySource).",
	},
	kindUnknown: {
		"A report the suggester has no safe rule for.",
		"Read it on the dashboard and decide by hand; `go run ./cmd/csp lint` checks the policy you write.",
	},
}

func refusalFor(kind string) verdict {
	t := refusalTexts[kind]
	return refuse(kind, t[0], t[1])
}

// inlineRefusal explains a blocked inline script, handler or style: none
// is allowed, whatever the policy.
func inlineRefusal(d csp.Directive, sample string) verdict {
	switch d {
	case csp.ScriptSrc, csp.ScriptSrcElem:
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(sample)), "javascript:") {
			return refusalFor(kindJavaScriptURL)
		}
		return refusalFor(kindInlineScript)
	case csp.ScriptSrcAttr:
		return refusalFor(kindInlineHandler)
	case csp.StyleSrc, csp.StyleSrcElem:
		return refusalFor(kindInlineStyle)
	case csp.StyleSrcAttr:
		return refusalFor(kindStyleAttribute)
	}
	return refusalFor(kindUnknown)
}

// evalRefusal explains a blocked eval, leading with the alternative the
// sample (the first 40 characters of the compiled string) points to.
func evalRefusal(sample string) verdict {
	v := refusalFor(kindEval)
	switch s := strings.TrimSpace(sample); {
	case strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[") || strings.HasPrefix(s, `"`):
		v.refusal.Instead = "The string looks like data: parse it with JSON.parse(text), which compiles nothing. " + v.refusal.Instead
	case s != "" && isIdentifierCall(s):
		v.refusal.Instead = "The string calls a function by name: keep the functions in a map and call actions[name]() instead. " + v.refusal.Instead
	}
	return v
}

// isIdentifierCall matches a sample such as "doThing()" or "app.run(1)".
func isIdentifierCall(s string) bool {
	name, _, ok := strings.Cut(s, "(")
	if !ok || name == "" {
		return false
	}
	for _, c := range name {
		if !(c == '.' || c == '_' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// trustedTypesPolicy allows a Trusted Types policy name the page created:
// a policy is code the site wrote, and naming it lets only that code make
// trusted values. Only a policy that lists names already can refuse one;
// a report against any other is forged, and a new trusted-types directive
// would refuse every other name the site uses.
func trustedTypesPolicy(p csp.Policy, name string) verdict {
	if !p.Has(csp.TrustedTypes) || name == "" || csp.New().Set(csp.DefaultSrc, csp.Self).Set(csp.TrustedTypes, csp.Source(name)).Validate() != nil ||
		strings.HasPrefix(name, "'") || name == "*" {
		return refusalFor(kindTrustedTypesName)
	}
	return allow(opAdd, csp.TrustedTypes, csp.Source(name), "")
}
