package csp

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Policy is an ordered list of directives. It is a value: every method
// returns a new Policy and leaves the receiver untouched, so a route group
// can extend its parent's policy without changing the parent's.
//
// Mistakes made while building (a duplicate directive) are remembered and
// reported by [Policy.Validate] together with grammar errors, so a whole
// policy can be declared as one expression.
type Policy struct {
	directives []directive
	errs       []error
}

type directive struct {
	name    Directive
	sources []Source
}

// New returns an empty policy.
func New() Policy { return Policy{} }

// Set adds directive d with the given sources. Setting a directive twice is
// an error: use [Policy.Add] to extend or [Policy.Replace] to overwrite.
func (p Policy) Set(d Directive, sources ...Source) Policy {
	if p.index(d) >= 0 {
		p.errs = append(slices.Clip(p.errs), fmt.Errorf("%s: duplicate directive", d))
		return p
	}
	p.directives = append(slices.Clip(p.directives), directive{d, slices.Clone(sources)})
	return p
}

// Add extends directive d with more sources. Adding to a directive that
// was 'none' replaces the 'none'; sources already present are not repeated.
//
// When d is absent it is created from what it inherited: img-src from
// default-src, script-src-elem from script-src, and so on along the CSP3
// fallback chain. A directive that is set no longer falls back, so creating
// img-src with only a CDN in it would quietly stop the site's own images;
// Add extends what the browser enforced instead.
func (p Policy) Add(d Directive, sources ...Source) Policy {
	i := p.index(d)
	if i < 0 {
		if inherited := p.inherited(d); inherited != nil {
			p = p.Set(d, inherited...)
			return p.Add(d, sources...)
		}
		return p.Set(d, sources...)
	}
	p.directives = slices.Clone(p.directives)
	cur := p.directives[i].sources
	if len(cur) == 1 && cur[0] == None {
		cur = nil
	}
	p.directives[i].sources = merge(cur, sources)
	return p
}

// mergeLinear is the size up to which merge compares sources pairwise:
// policies written by hand list a few sources per directive, where that
// beats building a set.
const mergeLinear = 32

// merge returns a new slice: cur, then each of add that is in neither cur
// nor earlier in add. Its cost grows linearly with both, so a policy
// extended by thousands of sources at once (package suggest does) stays
// cheap to build.
func merge(cur, add []Source) []Source {
	merged := slices.Grow(slices.Clone(cur), len(add))
	if len(cur)+len(add) <= mergeLinear {
		for _, s := range add {
			if !slices.Contains(merged, s) {
				merged = append(merged, s)
			}
		}
		return merged
	}
	seen := make(map[Source]bool, len(cur)+len(add))
	for _, s := range cur {
		seen[s] = true
	}
	for _, s := range add {
		if !seen[s] {
			seen[s] = true
			merged = append(merged, s)
		}
	}
	return merged
}

// inherited returns the sources an unset directive d takes from its
// fallback chain, or nil when nothing applies (no fallback set, or d is
// not a fetch directive).
func (p Policy) inherited(d Directive) []Source {
	if from, ok := p.Effective(d); ok {
		return p.Sources(from)
	}
	return nil
}

// Replace sets directive d to exactly the given sources, creating it when absent.
func (p Policy) Replace(d Directive, sources ...Source) Policy {
	i := p.index(d)
	if i < 0 {
		return p.Set(d, sources...)
	}
	p.directives = slices.Clone(p.directives)
	p.directives[i].sources = slices.Clone(sources)
	return p
}

// Without removes directive d.
func (p Policy) Without(d Directive) Policy {
	i := p.index(d)
	if i < 0 {
		return p
	}
	p.directives = slices.Delete(slices.Clone(p.directives), i, i+1)
	return p
}

// Has reports whether the policy sets directive d.
func (p Policy) Has(d Directive) bool { return p.index(d) >= 0 }

// SendsReports says whether the policy itself says where violation reports
// go (report-uri or report-to); when it does not, [Manager] adds report-uri.
func (p Policy) SendsReports() bool { return p.Has(ReportURI) || p.Has(ReportTo) }

// Sources returns a copy of directive d's sources, or nil when it is unset.
func (p Policy) Sources(d Directive) []Source {
	if i := p.index(d); i >= 0 {
		return slices.Clone(p.directives[i].sources)
	}
	return nil
}

// Directives returns the names of the policy's directives in order.
func (p Policy) Directives() []Directive {
	names := make([]Directive, len(p.directives))
	for i, d := range p.directives {
		names[i] = d.name
	}
	return names
}

// IsZero reports whether the policy has no directives and no errors.
func (p Policy) IsZero() bool { return len(p.directives) == 0 && len(p.errs) == 0 }

// usesNonce reports whether any directive holds the [Nonce] slot.
func (p Policy) usesNonce() bool {
	for _, d := range p.directives {
		if slices.Contains(d.sources, Nonce) {
			return true
		}
	}
	return false
}

func (p Policy) index(d Directive) int {
	return slices.IndexFunc(p.directives, func(x directive) bool { return x.name == d })
}

// String serializes the policy as a header value, with [NoncePlaceholder]
// where each response's nonce goes.
func (p Policy) String() string {
	var b strings.Builder
	for i, d := range p.directives {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(string(d.name))
		for _, s := range d.sources {
			b.WriteByte(' ')
			b.WriteString(string(s))
		}
	}
	return b.String()
}

// Validate checks the policy against the CSP3 grammar. Each error names the
// directive and the offending value, so a start-up failure says what to fix.
func (p Policy) Validate() error { return p.validate(true) }

// validate is [Policy.Validate]; requireDefault says whether a missing
// default-src is an error, which [ParseLenient] turns off.
func (p Policy) validate(requireDefault bool) error {
	errs := slices.Clone(p.errs)
	if len(p.directives) == 0 && len(errs) == 0 {
		return errors.New("policy has no directives")
	}
	if requireDefault && !p.Has(DefaultSrc) {
		errs = append(errs, errors.New("default-src: missing: it is the fallback for every fetch directive the policy leaves out"))
	}
	for _, d := range p.directives {
		if err := d.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (d directive) validate() error {
	info, ok := directiveIndex[d.name]
	if !ok {
		return fmt.Errorf("%s: unknown directive", d.name)
	}
	fail := func(s Source, format string, args ...any) error {
		return fmt.Errorf("%s: %q: %s", d.name, s, fmt.Sprintf(format, args...))
	}
	for _, s := range d.sources {
		if err := checkChars(string(s)); err != nil {
			return fail(s, "%v", err)
		}
	}
	kind := info.kind
	switch kind {
	case kindSourceList, kindAncestors:
		if len(d.sources) == 0 {
			return fmt.Errorf("%s: empty source list: write 'none' to allow nothing", d.name)
		}
		seen := map[Source]bool{}
		for _, s := range d.sources {
			if err := checkSource(s); err != nil {
				return fail(s, "%v", err)
			}
			if seen[s] {
				return fail(s, "listed twice")
			}
			seen[s] = true
			if s == None && len(d.sources) > 1 {
				return fail(s, "'none' cannot be combined with other sources")
			}
			if kind == kindAncestors && strings.HasPrefix(string(s), "'") && s != Self && s != None {
				return fail(s, "frame-ancestors allows no keyword but 'self' and 'none'")
			}
		}
	case kindSandbox:
		for _, s := range d.sources {
			if !sandboxTokens[string(s)] {
				return fail(s, "unknown sandbox flag")
			}
		}
	case kindURIs:
		if len(d.sources) == 0 {
			return fmt.Errorf("%s: needs at least one URI", d.name)
		}
		for _, s := range d.sources {
			if strings.ContainsAny(string(s), "'\"<>\\") || s == "" {
				return fail(s, "not a URI reference")
			}
		}
	case kindToken:
		if len(d.sources) != 1 || !isToken(string(d.sources[0])) {
			return fmt.Errorf("%s: needs exactly one endpoint name (letters, digits, '-', '_')", d.name)
		}
	case kindEmpty:
		if len(d.sources) != 0 {
			return fail(d.sources[0], "this directive takes no value")
		}
	case kindTrustedTypesFor:
		if len(d.sources) != 1 || d.sources[0] != "'script'" {
			return fmt.Errorf("%s: the only value is 'script'", d.name)
		}
	case kindTrustedTypes:
		for _, s := range d.sources {
			v := string(s)
			if v == "'none'" && len(d.sources) > 1 {
				return fail(s, "'none' cannot be combined with policy names")
			}
			if v != "'none'" && v != "'allow-duplicates'" && v != "*" && !isPolicyName(v) {
				return fail(s, "not a Trusted Types policy name")
			}
		}
	case kindWebRTC:
		if len(d.sources) != 1 || (d.sources[0] != "'allow'" && d.sources[0] != "'block'") {
			return fmt.Errorf("%s: the value is 'allow' or 'block'", d.name)
		}
	case kindMediaTypes:
		for _, s := range d.sources {
			if t, sub, ok := strings.Cut(string(s), "/"); !ok || !isToken(t) || !isToken(sub) {
				return fail(s, "not a media type")
			}
		}
	}
	return nil
}

func isToken(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' && c != '.' && c != '+' {
			return false
		}
	}
	return true
}

// isPolicyName matches tt-policy-name = 1*( ALPHA / DIGIT / "-" / "#" / "=" / "_" / "/" / "@" / "." / "%").
func isPolicyName(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !isAlpha(c) && !isDigit(c) && !strings.ContainsRune("-#=_/@.%", rune(c)) {
			return false
		}
	}
	return v != ""
}

// MaxPolicyLen bounds what [Parse] accepts. Real policies are a few hundred
// bytes; browsers and proxies start dropping headers well below 64 KiB.
const MaxPolicyLen = 8 << 10

// Parse reads a serialized policy, as typed by a person or copied from a
// header, and validates it. The nonce slot is written 'nonce-{nonce}'.
func Parse(s string) (Policy, error) {
	p, err := tokenize(s)
	if err != nil {
		return Policy{}, err
	}
	return p, p.Validate()
}

// ParseLenient reads a policy like [Parse] and checks the same grammar, but
// does not require default-src. It is for reading policies written
// elsewhere (a header copied from another site, a policy under review) so
// that package lint can explain what is missing instead of refusing the policy.
func ParseLenient(s string) (Policy, error) {
	p, err := tokenize(s)
	if err != nil {
		return Policy{}, err
	}
	return p, p.validate(false)
}

// tokenize splits a serialized policy into directives and sources. It
// refuses only what makes the text unreadable as one policy; grammar is
// left to [Policy.Validate].
func tokenize(s string) (Policy, error) {
	if len(s) > MaxPolicyLen {
		return Policy{}, fmt.Errorf("policy is %d bytes; the limit is %d", len(s), MaxPolicyLen)
	}
	if strings.ContainsAny(s, "\r\n") {
		return Policy{}, errors.New("policy contains a line break: a header value is one line")
	}
	if strings.Contains(s, ",") {
		return Policy{}, errors.New("',' separates two policies in one header: give one policy")
	}
	p := New()
	for part := range strings.SplitSeq(s, ";") {
		fields := strings.Fields(part)
		if len(fields) == 0 {
			continue
		}
		name := Directive(strings.ToLower(fields[0]))
		if err := checkChars(fields[0]); err != nil {
			return Policy{}, fmt.Errorf("directive name %q: %v", fields[0], err)
		}
		sources := make([]Source, 0, len(fields)-1)
		for _, f := range fields[1:] {
			sources = append(sources, Source(f))
		}
		p = p.Set(name, sources...)
	}
	return p, nil
}
