package suggest

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/noncekit/noncekit/csp"
)

// Change operations.
const (
	opAdd = "Add"
	opSet = "Set"
)

// verdict is what one report asks for: a change, or a refusal.
type verdict struct {
	change  Change
	refusal *Refusal // Report left empty: the caller fills it in
}

func allow(op string, d csp.Directive, s csp.Source, note string) verdict {
	return verdict{change: Change{Op: op, Directive: d, Source: s, Note: note}}
}

func refuse(kind, why, instead string) verdict {
	return verdict{refusal: &Refusal{Kind: kind, Why: why, Instead: instead}}
}

// classify decides what report r asks of policy p. Keywords first (inline,
// eval, ...), then URLs by the directive that refused them.
func classify(p csp.Policy, r Report) verdict {
	d := csp.Directive(r.Directive)
	switch r.BlockedURL {
	case "inline":
		return inlineRefusal(d, r.Sample)
	case "eval":
		return evalRefusal(r.Sample)
	case "wasm-eval":
		// WebAssembly compilation, not JavaScript eval: the keyword made
		// for it allows no string-to-script path.
		return allow(opAdd, csp.ScriptSrc, csp.WasmUnsafeEval, "")
	case "trusted-types-policy":
		return trustedTypesPolicy(p, r.Sample)
	case "trusted-types-sink":
		return refusalFor(kindTrustedTypesSink)
	}
	switch d {
	case csp.ObjectSrc:
		return refusalFor(kindObject)
	case csp.BaseURI:
		return refusalFor(kindBase)
	case csp.FrameAncestors:
		return refusalFor(kindFrameAncestors)
	case csp.ScriptSrcAttr, csp.StyleSrcAttr:
		// Attributes load nothing by URL; a report naming one is odd.
		return refusalFor(kindUnknown)
	}
	if !d.Known() || !d.TakesSources() || !slices.Contains(csp.ReportableDirectives(), d) {
		return refusalFor(kindUnknown)
	}
	if !strings.Contains(r.BlockedURL, "://") {
		return schemeOnly(d, r.BlockedURL)
	}
	origin, err := originOf(r.BlockedURL)
	if err != nil {
		return refuse("invalid-source", "A policy cannot name where it came from: "+err.Error()+".",
			"Serve the resource from a host with a name (not an IP literal), over http, https, ws or wss.")
	}
	if strings.HasPrefix(string(origin), "ws") && d != csp.ConnectSrc {
		// ws: and wss: are for connect-src only.
		return refusalFor(kindUnknown)
	}
	switch d {
	case csp.ScriptSrc, csp.ScriptSrcElem:
		return externalScript(p, d, origin)
	case csp.StyleSrc, csp.StyleSrcElem:
		return allow(opAdd, elemTarget(p, d, csp.StyleSrc), origin, "")
	case csp.WorkerSrc:
		// Created by Add, worker-src would copy script-src's nonce and
		// 'strict-dynamic', under which the origin is ignored.
		if p.Has(csp.WorkerSrc) {
			return allow(opAdd, csp.WorkerSrc, origin, "")
		}
		return allow(opSet, csp.WorkerSrc, origin, "")
	}
	return allow(opAdd, d, origin, "")
}

// elemTarget is the directive to extend for a report about an element
// directive (script-src-elem, style-src-elem): the element directive when
// the policy sets it, since that is what CSP3 browsers read; otherwise its
// parent, which every browser reads and which the element directive fell
// back to. Creating the element directive instead would leave browsers
// that predate it blocking what was just allowed.
func elemTarget(p csp.Policy, d, parent csp.Directive) csp.Directive {
	if d != parent && p.Has(d) {
		return d
	}
	return parent
}

// externalScript allows a script file from origin, only beside a nonce
// and only where the browser reads the origin.
//
// Under 'strict-dynamic' every browser that knows it (all current ones)
// ignores host sources: a file runs only when its tag carries the nonce,
// or integrity naming a hash the policy lists, or a trusted script
// inserted it. Adding the origin there would claim to resolve a report
// it cannot, so the page change that works is advised instead. A policy
// whose scripts are trusted by host rather than by nonce gets no new
// script host either: that is the allowlist the kit's policy replaced.
func externalScript(p csp.Policy, d csp.Directive, origin csp.Source) verdict {
	gov, ok := p.Effective(d)
	if !ok || !slices.ContainsFunc(p.Sources(gov), isNonce) {
		return refusalFor(kindScriptHostNoNonce)
	}
	if slices.Contains(p.Sources(gov), csp.StrictDynamic) {
		v := refusalFor(kindScriptNeedsNonce)
		v.refusal.Why = fmt.Sprintf(v.refusal.Why, origin)
		return v
	}
	if gov == csp.DefaultSrc {
		gov = csp.ScriptSrc // created from default-src: the other kinds keep theirs
	}
	return allow(opAdd, gov, origin, "")
}

func isNonce(s csp.Source) bool { return s.Kind() == csp.NonceSource }

// schemeOnly handles a blocked URL that browsers reduce to its scheme
// ("data", "blob", ...): only data: and blob: for images and media, and
// data: for fonts, are allowed; both can only render, never run script.
func schemeOnly(d csp.Directive, scheme string) verdict {
	scheme = strings.TrimSuffix(scheme, ":")
	switch {
	case scheme == "data" && (d == csp.ImgSrc || d == csp.MediaSrc || d == csp.FontSrc):
		return allow(opAdd, d, csp.Data, "")
	case scheme == "blob" && (d == csp.ImgSrc || d == csp.MediaSrc):
		return allow(opAdd, d, csp.Blob, "")
	case (scheme == "data" || scheme == "blob") && isScriptDirective(d):
		return refusalFor(kindScriptURL)
	}
	return refusalFor(kindScheme)
}

func isScriptDirective(d csp.Directive) bool {
	switch d {
	case csp.ScriptSrc, csp.ScriptSrcElem, csp.ScriptSrcAttr, csp.WorkerSrc:
		return true
	}
	return false
}

// originOf reduces a blocked URL to the exact origin a source names:
// scheme, host and port (the default port left out, as browsers match it
// without). The receiver already removed userinfo, query and fragment.
func originOf(raw string) (csp.Source, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("the URL does not parse")
	}
	scheme := strings.ToLower(u.Scheme)
	defaultPort := map[string]string{"http": "80", "https": "443", "ws": "80", "wss": "443"}[scheme]
	if defaultPort == "" {
		return "", fmt.Errorf("the scheme %s: is not one a policy allows by origin", scheme)
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case host == "":
		return "", fmt.Errorf("the URL has no host")
	case strings.Contains(host, ":"):
		return "", fmt.Errorf("%s is an IPv6 address, which host sources cannot name", host)
	case strings.Contains(host, "*"):
		return "", fmt.Errorf("%s is not a host name", host)
	}
	s := scheme + "://" + host
	if port := u.Port(); port != "" && port != defaultPort {
		s += ":" + port
	}
	// The grammar check: one source, no ';' or ',' or space.
	if err := csp.New().Set(csp.DefaultSrc, csp.Source(s)).Validate(); err != nil {
		return "", fmt.Errorf("%s is not a valid host source", s)
	}
	return csp.Source(s), nil
}

// forbidden returns why source s must never be suggested for directive d,
// or "". The classification above never produces such a change; this is
// the check that keeps a future rule from doing so.
func forbidden(d csp.Directive, s csp.Source) string {
	v := strings.ToLower(string(s))
	switch {
	case s == csp.UnsafeInline || s == csp.UnsafeEval || s == csp.UnsafeHashes:
		return fmt.Sprintf("%s would let injected markup run as script.", s)
	case v == "*" || strings.Contains(v, "*"):
		return "A wildcard would allow hosts nobody reported."
	case s.Kind() == csp.SchemeSource && (isScriptDirective(d) || d == csp.DefaultSrc || d == csp.ObjectSrc):
		return fmt.Sprintf("%s in %s would let scripts load from anywhere.", s, d)
	case s.Kind() == csp.SchemeSource && s != csp.Data && s != csp.Blob:
		return fmt.Sprintf("%s would allow every host.", s)
	case s.Kind() == csp.KeywordSource && s != csp.WasmUnsafeEval:
		return fmt.Sprintf("%s is not a keyword the suggester adds.", s)
	case s.Kind() == csp.NonceSource || s.Kind() == csp.HashSource:
		return "Nonces and hashes belong to the route table, not to a suggestion."
	}
	return ""
}
