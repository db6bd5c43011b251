package lint

import (
	"strings"

	"github.com/noncekit/noncekit/csp"
)

func (l *linter) checkObjects() {
	eff, ok := l.p.Effective(csp.ObjectSrc)
	if !ok {
		// <object> and <embed> can load a plugin or an HTML document that
		// runs script of the attacker's choosing, unaffected by script-src.
		l.add(High, csp.ObjectSrc, "", "Without object-src (or default-src) an injected <object> or <embed> can load content that runs script; set object-src 'none'.")
		return
	}
	fallback := false
	for _, s := range l.p.Sources(eff) {
		if s == csp.None || l.checkOpenSource(eff, s, "plugins") {
			continue
		}
		if eff != csp.ObjectSrc {
			fallback = true
			continue
		}
		l.add(Medium, csp.ObjectSrc, s, "object-src allows %s, yet no modern page needs <object> or <embed> and they can carry script; set object-src 'none'.", s)
	}
	if fallback {
		l.add(Medium, csp.ObjectSrc, "", "object-src is not set, so <object> and <embed> fall back to default-src and may load plugin content; set object-src 'none'.")
	}
}

func (l *linter) checkBaseURI() {
	if !l.p.Has(csp.BaseURI) {
		if l.needsBaseURI {
			l.add(High, csp.BaseURI, "", "Without base-uri an injected <base> tag can point your nonced scripts' relative URLs at an attacker's server; set base-uri 'none'.")
		}
		return
	}
	for _, s := range l.p.Sources(csp.BaseURI) {
		if isOpenSource(s) {
			l.add(High, csp.BaseURI, s, "%s in base-uri lets an injected <base> tag point your scripts' relative URLs at any host; set base-uri 'none'.", s)
		}
	}
}

func (l *linter) checkStyles() {
	seen := map[csp.Directive]bool{}
	for _, d := range []csp.Directive{csp.StyleSrc, csp.StyleSrcElem, csp.StyleSrcAttr} {
		eff, ok := l.p.Effective(d)
		if !ok || seen[eff] {
			continue
		}
		seen[eff] = true
		sources := l.p.Sources(eff)
		hasInline, trusted := false, false
		for _, s := range sources {
			hasInline = hasInline || s == csp.UnsafeInline
			trusted = trusted || s.Kind() == csp.NonceSource || s.Kind() == csp.HashSource
		}
		if hasInline && !trusted {
			// Injected CSS cannot run script, but it can redraw the page
			// for phishing and read attribute values (CSRF tokens) with
			// selectors that load a URL per matching character.
			l.add(Low, eff, csp.UnsafeInline, "'unsafe-inline' in %s lets injected <style> tags restyle the page and leak attribute values through CSS selectors; use a nonce.", eff)
		}
	}
}

// checkSources runs the checks that apply to every source of every
// directive, skipping sources the browser ignores.
func (l *linter) checkSources() {
	for _, d := range l.p.Directives() {
		hosts := d.TakesSources() || d == csp.ReportURI
		for _, s := range l.p.Sources(d) {
			if l.ignored[d][s] {
				continue
			}
			if csp.Directive(strings.ToLower(string(s))).Known() {
				l.add(Medium, d, s, "%s is a directive name, so a ';' is probably missing before it and the browser reads it as a host to allow.", s)
				continue
			}
			if d.TakesSources() && s.Kind() == csp.NonceSource {
				l.checkNonce(d, s)
			}
			if hosts {
				l.checkHTTP(d, s)
				l.checkIP(d, s)
			}
		}
	}
}

func (l *linter) checkNonce(d csp.Directive, s csp.Source) {
	if s == csp.Nonce {
		return
	}
	val, _ := s.NonceValue()
	// CSP3 §7.2 asks for at least 128 bits, what the kit's slot draws. Each
	// base64 character carries 6 bits; the grammar has already refused
	// anything but base64 characters.
	if n := len(strings.TrimRight(val, "=")) * 6 / 8; n < csp.NonceBytes {
		l.add(Medium, d, s, "This nonce holds fewer than %d random bytes, which makes it easier to guess; use the 'nonce-{nonce}' slot, which draws %d per response.", csp.NonceBytes, csp.NonceBytes)
		return
	}
	// A nonce is only a secret if no earlier response showed it.
	l.add(Info, d, s, "A nonce written into the policy protects nothing if it is reused, because an attacker can read it from one response; use the 'nonce-{nonce}' slot.")
}

func (l *linter) checkHTTP(d csp.Directive, s csp.Source) {
	v := strings.ToLower(string(s))
	switch {
	case strings.HasPrefix(v, "http://") && d == csp.ReportURI:
		l.add(Medium, d, s, "Reports sent over plain HTTP can be read and altered on the way; use an https:// report-uri.")
	case strings.HasPrefix(v, "http://"):
		// Anyone on the network path can replace a response fetched over
		// plain HTTP, script included.
		l.add(Medium, d, s, "Resources fetched over plain HTTP can be replaced by anyone on the network path; use https://.")
	case v == "http:" && !l.reported(High, d, s):
		l.add(Medium, d, s, "http: allows any host over plain HTTP, which anyone on the network path can tamper with; use https: or name the hosts.")
	}
}

func (l *linter) checkIP(d csp.Directive, s csp.Source) {
	host, _, ok := splitHostSource(string(s))
	if !ok || !looksLikeIPv4(host) {
		return
	}
	if host == "127.0.0.1" {
		l.add(Info, d, s, "%s allows this machine itself, which only makes sense during development; remove it in production.", d)
		return
	}
	// CSP3 §6.7.2.7 matches host-sources against domains only.
	l.add(Info, d, s, "Browsers do not match IP addresses in CSP host sources, so this source allows nothing; name the host instead.")
}

// looksLikeIPv4 matches four dot-separated groups of one to three digits.
func looksLikeIPv4(host string) bool {
	parts := strings.Split(host, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if len(p) == 0 || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// reported says whether a finding of severity sev already names d and s.
func (l *linter) reported(sev Severity, d csp.Directive, s csp.Source) bool {
	for _, f := range l.findings {
		if f.Severity == sev && f.Directive == d && f.Value == s {
			return true
		}
	}
	return false
}
