package lint

import (
	"slices"
	"strings"

	"github.com/noncekit/noncekit/csp"
)

// scriptView is one script directive as a CSP3 browser reads it.
type scriptView struct {
	name    csp.Directive
	active  []csp.Source // the sources the browser honours
	dropped []csp.Source // the sources it skips
	nonce   bool
	hash    bool
	dynamic bool // 'strict-dynamic'
	// elements is false when the view governs only inline event handlers
	// (script-src-attr), where script files are never loaded.
	elements bool
}

func newScriptView(name csp.Directive, sources []csp.Source, elements bool) scriptView {
	v := scriptView{name: name, elements: elements}
	for _, s := range sources {
		v.nonce = v.nonce || s.Kind() == csp.NonceSource
		v.hash = v.hash || s.Kind() == csp.HashSource
		v.dynamic = v.dynamic || s == csp.StrictDynamic
	}
	for _, s := range sources {
		switch {
		// CSP3 §6.7.3.3: a nonce, hash or 'strict-dynamic' switches
		// 'unsafe-inline' off, which is what lets one policy carry it as
		// a fallback for browsers that predate nonces.
		case s == csp.UnsafeInline && (v.nonce || v.hash || v.dynamic):
			v.dropped = append(v.dropped, s)
		// CSP3 'strict-dynamic': trust flows from the nonce or hash, so
		// host and scheme sources and 'self' are skipped.
		case v.dynamic && (s == csp.Self || !strings.HasPrefix(string(s), "'")):
			v.dropped = append(v.dropped, s)
		default:
			v.active = append(v.active, s)
		}
	}
	return v
}

// scriptViews returns the distinct directives that govern script elements
// and script attributes, after fallback.
func (l *linter) scriptViews() []scriptView {
	var views []scriptView
	for _, d := range []csp.Directive{csp.ScriptSrc, csp.ScriptSrcElem, csp.ScriptSrcAttr} {
		eff, ok := l.p.Effective(d)
		if !ok {
			continue
		}
		if i := slices.IndexFunc(views, func(v scriptView) bool { return v.name == eff }); i >= 0 {
			views[i].elements = views[i].elements || d != csp.ScriptSrcAttr
			continue
		}
		views = append(views, newScriptView(eff, l.p.Sources(eff), d != csp.ScriptSrcAttr))
	}
	return views
}

func (l *linter) checkScripts() {
	if !l.p.Has(csp.ScriptSrc) && !l.p.Has(csp.DefaultSrc) {
		l.add(High, csp.ScriptSrc, "", "Without script-src or default-src the browser runs any script an attacker injects; add script-src with a nonce and 'strict-dynamic'.")
	}
	l.ignored = map[csp.Directive]map[csp.Source]bool{}
	for _, v := range l.scriptViews() {
		if l.ignored[v.name] == nil {
			l.ignored[v.name] = map[csp.Source]bool{}
		}
		for _, s := range v.dropped {
			l.ignored[v.name][s] = true
		}
		// A nonce-based policy still loads its nonced scripts by URL; an
		// injected <base> moves those URLs to the attacker's server and
		// the nonce goes along.
		if v.nonce || (v.hash && v.dynamic) {
			l.needsBaseURI = true
		}
		l.checkScriptView(v)
	}
}

func (l *linter) checkScriptView(v scriptView) {
	if slices.Contains(v.dropped, csp.UnsafeInline) {
		l.add(Info, v.name, csp.UnsafeInline, "'unsafe-inline' is ignored here because a nonce, hash or 'strict-dynamic' is present; it only serves browsers too old to know them.")
	}
	if slices.ContainsFunc(v.dropped, func(s csp.Source) bool { return s != csp.UnsafeInline }) {
		l.add(Info, v.name, csp.StrictDynamic, "'strict-dynamic' makes browsers ignore the host and scheme sources and 'self' in this directive; they only serve browsers too old to know it.")
	}
	if v.dynamic && !v.nonce && !v.hash {
		// Under 'strict-dynamic' only scripts trusted by nonce or hash may
		// load others; with neither, nothing is trusted.
		l.add(Info, v.name, csp.StrictDynamic, "'strict-dynamic' without a nonce or hash blocks every script; add the 'nonce-{nonce}' slot.")
	}
	evalAllowed := slices.Contains(v.active, csp.UnsafeEval)
	for _, s := range v.active {
		switch s {
		case csp.UnsafeInline:
			// Markup injection becomes script injection: <script>...</script>
			// and onerror=... both run.
			l.add(High, v.name, s, "'unsafe-inline' lets any injected <script> tag or event-handler attribute run; use a nonce or hash instead.")
			continue
		case csp.UnsafeHashes:
			l.add(Medium, v.name, s, "'unsafe-hashes' lets inline event handlers run when their hash is listed; move them to a script file and use addEventListener.")
			continue
		case csp.UnsafeEval:
			// DOM XSS: data the attacker controls that reaches eval,
			// new Function or setTimeout("...") runs as code.
			l.add(Medium, v.name, s, "'unsafe-eval' lets strings passed to eval() or new Function() run as code, so injected data can become script.")
			continue
		}
		if l.checkOpenSource(v.name, s, "scripts") || !v.elements {
			continue
		}
		l.checkAllowlisted(v, s, evalAllowed)
	}
}

// checkAllowlisted reviews one allowed origin of a script directive: every
// file the origin serves is trusted, including ones that turn attacker
// input into script. evalAllowed says whether the view allows
// 'unsafe-eval', which some JSONP gadgets need.
func (l *linter) checkAllowlisted(v scriptView, s csp.Source, evalAllowed bool) {
	if s == csp.Self {
		l.add(Medium, v.name, s, "'self' trusts every script file on your site, so a JSONP endpoint, an AngularJS copy or a user upload there lets an attacker in; prefer nonces and 'strict-dynamic'.")
		return
	}
	host, _, ok := splitHostSource(string(s))
	if !ok || !strings.Contains(host, ".") {
		return
	}
	gadgetHost, kinds := findGadgets(s, evalAllowed)
	var what string
	switch kinds {
	case 0:
		l.add(Medium, v.name, s, "No bypass is known for this host, but if it serves JSONP, AngularJS or user uploads an attacker can run script through it; prefer nonces and 'strict-dynamic'.")
		return
	case gadgetJSONP:
		what = "JSONP endpoints"
	case gadgetAngular:
		what = "AngularJS"
	default:
		what = "JSONP endpoints and AngularJS"
	}
	l.add(High, v.name, s, "%s is known to host %s, which let an attacker run any script through this allowlist; use a nonce and 'strict-dynamic' instead of hosts.", gadgetHost, what)
}

// checkOpenSource reports a wildcard or bare scheme in a directive that
// guards script execution, and says whether it did. Such a source admits
// files from hosts the attacker controls, so the attacker just hosts one.
func (l *linter) checkOpenSource(d csp.Directive, s csp.Source, what string) bool {
	if !isOpenSource(s) {
		return false
	}
	switch v := strings.ToLower(string(s)); v {
	case "https:", "http:":
		l.add(High, d, s, "%s in %s lets %s load from any host, so an attacker can serve them from a site of their own.", v, d, what)
	case "data:":
		l.add(High, d, s, "data: in %s lets an injected tag carry its own %s inline as a data: URL.", d, what)
	default:
		l.add(High, d, s, "'*' in %s lets %s load from any host, so an attacker can serve them from a site of their own.", d, what)
	}
	return true
}

// isOpenSource says whether s lets in content the attacker chooses: a bare
// http:, https: or data: scheme, or the '*' host.
func isOpenSource(s csp.Source) bool {
	v := strings.ToLower(string(s))
	if v == "https:" || v == "http:" || v == "data:" {
		return true
	}
	host, _, ok := splitHostSource(v)
	return ok && host == "*"
}
