// Package lint reviews Content-Security-Policy policies the way Google's
// CSP Evaluator does and explains each weakness in one sentence:
//
//	p, err := csp.ParseLenient("script-src 'self' https://www.google.com")
//	for _, f := range lint.Policy(p, lint.AsHeader) {
//		fmt.Println(f) // HIGH script-src https://www.google.com: www.google.com is known to host JSONP endpoints, ...
//	}
//
// The threat it stops is a policy that looks strict and is not: an
// allowlisted host that serves JSONP, 'unsafe-inline' next to nothing that
// switches it off, a nonce policy without base-uri. The browser enforces
// such a policy faithfully and the attacker's script still runs. [Policy]
// reviews one policy, [Groups] every route group a [csp.Manager] compiled,
// as the headers deliver them; the server refuses to start in production
// on a High finding a group has not accepted.
package lint

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/noncekit/noncekit/csp"
)

// Severity ranks a [Finding]. The ranks follow Google's CSP Evaluator
// (github.com/google/csp-evaluator), so that both tools agree on which
// policies have a High finding: its HIGH is High, its MEDIUM,
// MEDIUM_MAYBE and SYNTAX are Medium, its LOW is Low and its INFO is Info.
type Severity int

// Severities, from least to most urgent; they compare with < and >.
const (
	// Info is advice: nothing is exploitable because of it.
	Info Severity = iota + 1
	// Low weakens the policy a little or quietly does nothing.
	Low
	// Medium weakens the policy in ways an attacker may be able to use.
	Medium
	// High lets an attacker who can inject markup run script.
	High
)

// String returns the upper-case name used in reports: "HIGH", "MEDIUM", ...
func (s Severity) String() string {
	switch s {
	case Info:
		return "INFO"
	case Low:
		return "LOW"
	case Medium:
		return "MEDIUM"
	case High:
		return "HIGH"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Finding is one weakness [Policy] found in a policy.
type Finding struct {
	Severity Severity // how much the weakness gives an attacker
	// Directive is the directive to change. For a missing directive it is
	// the one to add.
	Directive csp.Directive
	// Value is the source the finding is about, or "" when it is about the
	// directive as a whole.
	Value csp.Source
	// Message is one plain sentence saying what an attacker can do and
	// what to write instead.
	Message string
}

// String formats the finding on one line: "HIGH script-src 'unsafe-inline': ...".
func (f Finding) String() string {
	if f.Value == "" {
		return fmt.Sprintf("%s %s: %s", f.Severity, f.Directive, f.Message)
	}
	return fmt.Sprintf("%s %s %s: %s", f.Severity, f.Directive, f.Value, f.Message)
}

// Delivery is how a policy reaches the browser. Some directives do nothing
// in some deliveries, which [Policy] reports.
type Delivery int

const (
	// AsHeader is an enforced Content-Security-Policy header.
	AsHeader Delivery = iota
	// AsReportOnly is a Content-Security-Policy-Report-Only header: the
	// browser blocks nothing and reports what it would have blocked.
	AsReportOnly
	// AsMeta is a <meta http-equiv="Content-Security-Policy"> element.
	AsMeta
)

// String names the delivery as in the header or element it stands for.
func (d Delivery) String() string {
	switch d {
	case AsHeader:
		return csp.HeaderCSP
	case AsReportOnly:
		return csp.HeaderCSPReportOnly
	case AsMeta:
		return "meta element"
	}
	return fmt.Sprintf("Delivery(%d)", int(d))
}

// Policy reviews a policy the way Google's CSP Evaluator does and returns its
// findings, most severe first. It reads the policy as a CSP3 browser does:
// 'unsafe-inline' is ignored next to a nonce or hash, host sources are
// ignored next to 'strict-dynamic', and script-src-elem and script-src-attr
// fall back to script-src and then to default-src.
//
// Policy does not check the grammar: use [csp.Parse], [csp.ParseLenient] or
// [csp.Policy.Validate] first.
func Policy(p csp.Policy, d Delivery) []Finding {
	l := &linter{p: p, seen: map[Finding]bool{}}
	l.checkScripts()
	l.checkObjects()
	l.checkBaseURI()
	l.checkStyles()
	l.checkSources()
	l.checkDeprecated()
	l.checkDelivery(d)
	slices.SortStableFunc(l.findings, func(a, b Finding) int { return cmp.Compare(b.Severity, a.Severity) })
	return l.findings
}

// linter collects the findings of one [Policy] call.
type linter struct {
	p        csp.Policy
	findings []Finding
	seen     map[Finding]bool
	// ignored holds sources a browser skips in their directive (hosts next
	// to 'strict-dynamic'), so that no other check reports them. A set:
	// a policy can list thousands of hosts, and checkSources asks once
	// for each.
	ignored map[csp.Directive]map[csp.Source]bool
	// needsBaseURI is set when scripts are trusted by nonce (or by hash
	// with 'strict-dynamic'), which only base-uri keeps from being moved.
	needsBaseURI bool
}

func (l *linter) add(sev Severity, d csp.Directive, v csp.Source, format string, args ...any) {
	f := Finding{Severity: sev, Directive: d, Value: v, Message: fmt.Sprintf(format, args...)}
	if !l.seen[f] {
		l.seen[f] = true
		l.findings = append(l.findings, f)
	}
}

// GroupFindings are the findings of one route group's policy, as one
// header delivers it.
type GroupFindings struct {
	Group    string   // the group's name
	Delivery Delivery // the header the policy came in
	Accepted string   // the group's [csp.Group] Accept: why its findings are deliberate
	Findings []Finding
}

// Groups reviews every group's policies as the headers deliver them (with
// the report-uri the Manager adds), enforced before report-only, and
// returns the groups that have findings, in the order given.
func Groups(groups []csp.GroupInfo) []GroupFindings {
	var out []GroupFindings
	for _, g := range groups {
		for _, sent := range []struct {
			p   csp.Policy
			del Delivery
		}{{g.SentEnforce, AsHeader}, {g.SentReportOnly, AsReportOnly}} {
			if sent.p.IsZero() {
				continue
			}
			if fs := Policy(sent.p, sent.del); len(fs) > 0 {
				out = append(out, GroupFindings{Group: g.Name, Delivery: sent.del, Accepted: g.Accept, Findings: fs})
			}
		}
	}
	return out
}
