package csptest

import (
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/net/html/atom"

	"github.com/noncekit/noncekit/csp"
)

// policies is what Check reads from the response's CSP headers, with the
// csp package's own parser, so that csptest and the middleware can never
// disagree about what a header says.
//
// An element passes when the policies that govern it allow it through the
// directive the browser consults for that element (script-src-elem, then
// script-src, then default-src, for a <script>). A directive that governs
// something else (a hash in style-src, for a <script>) allows nothing here,
// as in the browser.
type policies struct {
	// governing are the policies that decide: the enforced ones. A
	// report-only policy blocks nothing, so nothing it lists can allow an
	// element the enforced policy blocks. A response that only reports (a
	// policy on trial) is checked against its report-only policies, as the
	// policies it will enforce.
	governing []csp.Policy
	// unreadable are the header values the parser refused, as problems.
	unreadable []Problem
}

// readPolicies parses both CSP headers of h. One header may carry several
// policies, in several values or separated by ','; the browser enforces
// each of them.
func readPolicies(h http.Header) policies {
	var ps policies
	var enforced, reportOnly []csp.Policy
	for _, name := range []string{csp.HeaderCSP, csp.HeaderCSPReportOnly} {
		for p, err := range parseHeader(h, name) {
			if err != nil {
				ps.unreadable = append(ps.unreadable, Problem{Kind: UnreadablePolicy,
					Detail: fmt.Sprintf("%s: %v; the browser skips what it cannot read, so what it blocks may differ from this check", name, err)})
			}
			if name == csp.HeaderCSP {
				enforced = append(enforced, p)
			} else {
				reportOnly = append(reportOnly, p)
			}
		}
	}
	ps.governing = enforced
	if len(enforced) == 0 {
		ps.governing = reportOnly
	}
	return ps
}

// parseHeader yields each policy in header name of h, read leniently: a
// policy need not set default-src. A policy that breaks the grammar is
// yielded with its error and with what the parser could read of it.
func parseHeader(h http.Header, name string) func(yield func(csp.Policy, error) bool) {
	return func(yield func(csp.Policy, error) bool) {
		for _, v := range h.Values(name) {
			for part := range strings.SplitSeq(v, ",") {
				if strings.TrimSpace(part) == "" {
					continue
				}
				if !yield(csp.ParseLenient(part)) {
					return
				}
			}
		}
	}
}

// HeaderNonces returns the nonces the response's Content-Security-Policy
// and Content-Security-Policy-Report-Only headers list, in every directive,
// in order.
func HeaderNonces(h http.Header) []string {
	var out []string
	for _, name := range []string{csp.HeaderCSP, csp.HeaderCSPReportOnly} {
		for p := range parseHeader(h, name) {
			for _, d := range p.Directives() {
				for _, s := range p.Sources(d) {
					if n, ok := s.NonceValue(); ok {
						out = append(out, n)
					}
				}
			}
		}
	}
	return out
}

// governed is how the governing policies treat one kind of element: the
// directive the browser consults for it (script-src-elem for a <script>)
// and, for each policy that restricts it, the directive that stands in.
type governed struct {
	directive csp.Directive
	// effective holds, for each governing policy that restricts directive,
	// the directive it falls back to and that directive's sources.
	effective []effective
}

type effective struct {
	name    csp.Directive
	sources []csp.Source
}

func (ps policies) govern(d csp.Directive) governed {
	g := governed{directive: d}
	for _, p := range ps.governing {
		if eff, ok := p.Effective(d); ok {
			g.effective = append(g.effective, effective{eff, p.Sources(eff)})
		}
	}
	return g
}

// via names the directive that governs, for a problem's detail:
// "script-src (standing in for script-src-elem)". It is "" when no policy
// restricts the element.
func (g governed) via() string {
	if len(g.effective) == 0 {
		return ""
	}
	if eff := g.effective[0].name; eff != g.directive {
		return string(eff) + " (standing in for " + string(g.directive) + ")"
	}
	return string(g.directive)
}

// nonces returns the nonces every restricting directive lists: a nonce
// one policy lists and another does not is blocked by the other.
func (g governed) nonces() []string {
	var common []string
	for i, e := range g.effective {
		var listed []string
		for _, s := range e.sources {
			if n, ok := s.NonceValue(); ok && (i == 0 || slices.Contains(common, n)) {
				listed = append(listed, n)
			}
		}
		common = listed
	}
	return common
}

// allows reports whether at least one governing policy restricts the
// element and every one that does allows it, by ok. An element no policy
// restricts is not "allowed" here: the kit's pages are meant to be
// governed, and an ungoverned one is the mistake to report.
func (g governed) allows(ok func(sources []csp.Source) bool) bool {
	if len(g.effective) == 0 {
		return false
	}
	for _, e := range g.effective {
		if !ok(e.sources) {
			return false
		}
	}
	return true
}

// allowsText reports whether the governing directives list a hash of
// text, which lets an inline script or style run without a nonce.
func (g governed) allowsText(text string) bool {
	hashes := hashSources(text)
	return g.allows(func(sources []csp.Source) bool {
		return slices.ContainsFunc(sources, func(s csp.Source) bool { return slices.Contains(hashes, s) })
	})
}

// allowsFile reports whether the governing directives allow an external
// script by its integrity (a hash source listing it: CSP3 matches it
// against the script's integrity), or an external stylesheet by a
// location source ('self', a host or a scheme), with no nonce: how a
// cacheable page's files load. csptest does not match the stylesheet's
// URL against the location, as it never does.
func (g governed) allowsFile(el Element, a atom.Atom) bool {
	switch a {
	case atom.Script:
		if _, ok := el.Attr("src"); !ok {
			return false
		}
		integrity, _ := el.Attr("integrity")
		return g.allows(func(sources []csp.Source) bool {
			for _, v := range strings.Fields(integrity) {
				if slices.Contains(sources, csp.IntegritySource(v)) {
					return true
				}
			}
			return false
		})
	case atom.Link:
		return g.allows(func(sources []csp.Source) bool {
			return slices.ContainsFunc(sources, func(s csp.Source) bool {
				return s == csp.Self || s.Kind() == csp.HostSource || s.Kind() == csp.SchemeSource
			})
		})
	}
	return false
}

// allowsAttribute reports whether an inline handler or style attribute
// with value v runs: with 'unsafe-hashes' and the hash of exactly v, or
// with 'unsafe-inline' when no nonce, hash (or, for handlers,
// 'strict-dynamic') switches it off (CSP3 §6.7.3.3).
func (g governed) allowsAttribute(v string) bool {
	hashes := hashSources(v)
	script := g.directive == csp.ScriptSrcAttr
	return g.allows(func(sources []csp.Source) bool {
		if slices.Contains(sources, csp.UnsafeHashes) &&
			slices.ContainsFunc(sources, func(s csp.Source) bool { return slices.Contains(hashes, s) }) {
			return true
		}
		allInline := slices.Contains(sources, csp.UnsafeInline)
		for _, s := range sources {
			if k := s.Kind(); k == csp.NonceSource || k == csp.HashSource || (script && s == csp.StrictDynamic) {
				allInline = false
			}
		}
		return allInline
	})
}

// hashSources returns the hash sources that allow exactly text, in each
// algorithm CSP knows.
func hashSources(text string) []csp.Source {
	s384, s512 := sha512.Sum384([]byte(text)), sha512.Sum512([]byte(text))
	return []csp.Source{
		csp.SHA256(text),
		csp.Source("'sha384-" + base64.StdEncoding.EncodeToString(s384[:]) + "'"),
		csp.Source("'sha512-" + base64.StdEncoding.EncodeToString(s512[:]) + "'"),
	}
}
