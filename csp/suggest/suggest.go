package suggest

import (
	"cmp"
	"slices"
	"time"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/lint"
	"github.com/noncekit/noncekit/csp/report"
)

// Options tunes [Suggest] and [Groups]. The zero value works.
type Options struct {
	// Bases are the policies a route table derives its groups' policies
	// from, by the names it gives them (the kit's routes.go: "site" and
	// "api"). A group whose declared policy equals a base gets a Go
	// expression that starts from that name; any other gets the whole
	// policy written out with csp.New().
	Bases []Base
}

// Base is a named policy of the route table; see Options.Bases.
type Base struct {
	Name   string
	Policy csp.Policy
}

// Suggestion is what one policy of one route group should become. A group
// that sends both an enforced and a report-only policy can have two, one
// per disposition: a report names the policy it broke.
type Suggestion struct {
	Group string `json:"group"`
	// Disposition is report.DispositionEnforce or DispositionReport: the
	// group's policy this suggestion changes.
	Disposition string `json:"disposition"`
	// Header is the header that policy is sent in.
	Header string `json:"header"`
	// Field is the csp.Group field that holds it: "Enforce" or "ReportOnly".
	Field string `json:"field"`
	// Declared is the policy as the route table declares it.
	Declared csp.Policy `json:"-"`
	// Policy is the suggested policy: Declared with Changes applied, or
	// Declared itself when there are none.
	Policy csp.Policy `json:"-"`
	// Value is Policy as the header carries it ({nonce} where each
	// response's nonce goes, without the report-uri the Manager adds), and
	// Go the expression that builds it; both are "" without Changes.
	Value string `json:"value,omitempty"`
	Go    string `json:"go,omitempty"`
	// Changes are the sources to add, in the order Go applies them.
	Changes []Change `json:"changes,omitempty"`
	// Resolved are the reports the changes allow.
	Resolved []Resolved `json:"resolves,omitempty"`
	// Refused are the reports no safe change allows, each with what to
	// change in the page instead.
	Refused []Refusal `json:"refused,omitempty"`
	// Allowed are reports the declared policy already allows: sent before
	// the policy last changed.
	Allowed []Report `json:"alreadyAllowed,omitempty"`
	// Blockers are the declared policy's own High lint findings. While
	// there are any, no change is suggested (it would carry them): fix
	// those first.
	Blockers []string `json:"blockers,omitempty"`
}

// Pending says whether the suggestion asks for anything: a change to the
// policy, or a change to the pages for a report it refused.
func (s Suggestion) Pending() bool {
	return len(s.Changes) > 0 || len(s.Refused) > 0 || len(s.Blockers) > 0
}

// Change is one source added to one directive.
type Change struct {
	// Op is "Add" (extend the directive, creating it from the fallback
	// chain when absent) or "Set" (create it with this source alone).
	Op        string        `json:"op"`
	Directive csp.Directive `json:"directive"`
	Source    csp.Source    `json:"source"`
	// Note is what else the change needs to work, "" when nothing.
	Note string `json:"note,omitempty"`
}

// Report is a stored aggregate as a suggestion cites it.
type Report struct {
	Directive    string    `json:"directive"`
	BlockedURL   string    `json:"blockedURL"`
	DocumentPath string    `json:"documentPath"`
	Disposition  string    `json:"disposition"`
	Count        int64     `json:"count"`
	Sample       string    `json:"sample,omitempty"`
	FirstSeen    time.Time `json:"firstSeen"`
	LastSeen     time.Time `json:"lastSeen"`
}

// Resolved is a report and the change that allows it.
type Resolved struct {
	Report
	By Change `json:"by"`
}

// Refusal is a report the suggester will not allow.
type Refusal struct {
	Report
	// Kind names the case: "inline-script", "inline-handler", "eval", ...
	Kind string `json:"kind"`
	// Why says what the browser refused and why no policy change is safe.
	Why string `json:"why"`
	// Instead says what to change in the page.
	Instead string `json:"instead"`
}

// Groups suggests for every group that has reports, in the groups' order:
// for each, [Suggest] with the aggregates whose Group is its name.
// Aggregates of groups not in groups (renamed or removed groups, the
// receiver's "unknown") are left out.
func Groups(groups []csp.GroupInfo, aggs []report.Aggregate, o Options) []Suggestion {
	byGroup := map[string][]report.Aggregate{}
	for _, a := range aggs {
		byGroup[a.Group] = append(byGroup[a.Group], a)
	}
	var out []Suggestion
	for _, g := range groups {
		if as := byGroup[g.Name]; len(as) > 0 {
			out = append(out, Suggest(g.Group, as, o)...)
		}
	}
	return out
}

// Suggest returns what group g's policies should become to allow what the
// aggregates reported, safely: one Suggestion per policy (enforced first)
// that has at least one report. Aggregates of other groups are ignored, and
// so is noise (browser extensions, the browser's own pages: see
// report.IsNoise), which the receiver already keeps out of the store. A
// report of disposition "unknown" (CSP1-era browsers) is taken to be about
// the enforced policy when the group has one.
func Suggest(g csp.Group, aggs []report.Aggregate, o Options) []Suggestion {
	if g.Exempt {
		return nil
	}
	var enforced, reportOnly []report.Aggregate
	for _, a := range aggs {
		if a.Group != g.Name || report.IsNoise(a.BlockedURL) || report.IsNoise(a.SourceFile) {
			continue
		}
		switch {
		case a.Disposition == report.DispositionReport:
			reportOnly = append(reportOnly, a)
		case a.Disposition == report.DispositionEnforce || !g.Enforce.IsZero():
			enforced = append(enforced, a)
		default: // unknown, and the group sends only a report-only policy
			reportOnly = append(reportOnly, a)
		}
	}
	var out []Suggestion
	for _, p := range []struct {
		policy      csp.Policy
		aggs        []report.Aggregate
		disposition string
	}{
		{g.Enforce, enforced, report.DispositionEnforce},
		{g.ReportOnly, reportOnly, report.DispositionReport},
	} {
		// Reports about a policy the group no longer sends say nothing
		// about its policies now.
		if p.policy.IsZero() || len(p.aggs) == 0 {
			continue
		}
		out = append(out, suggestOne(g.Name, p.policy, p.disposition, p.aggs, o))
	}
	return out
}

// suggestOne builds the suggestion for one declared policy.
func suggestOne(group string, declared csp.Policy, disposition string, aggs []report.Aggregate, o Options) Suggestion {
	s := Suggestion{Group: group, Disposition: disposition, Declared: declared, Policy: declared,
		Header: csp.HeaderCSP, Field: "Enforce"}
	delivery := lint.AsHeader
	if disposition == report.DispositionReport {
		s.Header, s.Field, delivery = csp.HeaderCSPReportOnly, "ReportOnly", lint.AsReportOnly
	}
	for _, f := range lint.Policy(declared, delivery) {
		if f.Severity == lint.High {
			s.Blockers = append(s.Blockers, f.String())
		}
	}
	rs := make([]Report, len(aggs))
	for i, a := range aggs {
		rs[i] = reportOf(a)
	}
	sortReports(rs)

	// Classify each report against the declared policy, then apply the
	// changes one at a time, each checked by the linter.
	type candidate struct {
		c       Change
		reports []Report
	}
	var candidates []*candidate
	for _, r := range rs {
		v := classify(declared, r)
		switch {
		case v.refusal != nil:
			ref := *v.refusal
			ref.Report = r
			s.Refused = append(s.Refused, ref)
		case slices.Contains(declared.Sources(v.change.Directive), v.change.Source):
			s.Allowed = append(s.Allowed, r)
		case len(s.Blockers) > 0:
			s.Refused = append(s.Refused, Refusal{Report: r, Kind: "policy-has-high-finding",
				Why:     "The group's policy already has a High lint finding, and any policy built on it would carry it.",
				Instead: "Fix the finding first (`go run ./cmd/csp lint` explains it); the suggestion then appears here."})
		default:
			i := slices.IndexFunc(candidates, func(c *candidate) bool {
				return c.c.Directive == v.change.Directive && c.c.Source == v.change.Source
			})
			if i < 0 {
				candidates = append(candidates, &candidate{c: v.change})
				i = len(candidates) - 1
			}
			candidates[i].reports = append(candidates[i].reports, r)
		}
	}
	slices.SortStableFunc(candidates, func(a, b *candidate) int { return compareChanges(a.c, b.c) })

	p := declared
	for _, cand := range candidates {
		next, refusal := apply(p, cand.c, delivery)
		if refusal != nil {
			for _, r := range cand.reports {
				ref := *refusal
				ref.Report = r
				s.Refused = append(s.Refused, ref)
			}
			continue
		}
		p = next
		s.Changes = append(s.Changes, cand.c)
		for _, r := range cand.reports {
			s.Resolved = append(s.Resolved, Resolved{Report: r, By: cand.c})
		}
	}
	if len(s.Changes) > 0 && hasHigh(p, delivery) {
		// Unreachable: each change was checked, and a declared policy with
		// a High finding gets none. Kept so that no later rule can break
		// the package's promise: nothing is suggested rather than that.
		for _, r := range s.Resolved {
			s.Refused = append(s.Refused, Refusal{Report: r.Report, Kind: "lint-high",
				Why: "The suggested policy has a High lint finding.", Instead: "Decide by hand; `go run ./cmd/csp lint` explains the finding."})
		}
		s.Changes, s.Resolved = nil, nil
	}
	if len(s.Changes) > 0 {
		s.Policy = p
		s.Value = p.String()
		s.Go = goExpr(declared, s.Changes, o.Bases)
	}
	sortRefusals(s.Refused)
	return s
}

// apply adds c to p and checks the result: it must stay valid, hold none
// of the sources the package never suggests, and bring no High lint
// finding. Otherwise it returns the refusal that explains why.
func apply(p csp.Policy, c Change, delivery lint.Delivery) (csp.Policy, *Refusal) {
	if why := forbidden(c.Directive, c.Source); why != "" {
		return p, &Refusal{Kind: "unsafe-source", Why: why,
			Instead: "Serve the resource from an exact origin, or from this site, and load it the way its kind needs."}
	}
	var next csp.Policy
	if c.Op == opSet && !p.Has(c.Directive) {
		next = p.Set(c.Directive, c.Source)
	} else {
		// A second source for a directive a Set created: goExpr writes
		// both in the one Set call.
		next = p.Add(c.Directive, c.Source)
	}
	if err := next.Validate(); err != nil {
		return p, &Refusal{Kind: "invalid-source", Why: "No valid policy can allow it: " + err.Error(),
			Instead: "Serve the resource from a host a policy can name."}
	}
	before := map[lint.Finding]bool{}
	for _, f := range lint.Policy(p, delivery) {
		before[f] = true
	}
	for _, f := range lint.Policy(next, delivery) {
		if f.Severity == lint.High && !before[f] {
			return p, &Refusal{Kind: "lint-high", Why: "The linter refuses the change: " + f.String(),
				Instead: "Load the file through a nonced tag from a server you control (csp.Script(src, integrity))."}
		}
	}
	return next, nil
}

func hasHigh(p csp.Policy, d lint.Delivery) bool {
	for _, f := range lint.Policy(p, d) {
		if f.Severity == lint.High {
			return true
		}
	}
	return false
}

func reportOf(a report.Aggregate) Report {
	return Report{Directive: a.Directive, BlockedURL: a.BlockedURL, DocumentPath: a.DocumentPath,
		Disposition: a.Disposition, Count: a.Count, Sample: a.Sample, FirstSeen: a.FirstSeen, LastSeen: a.LastSeen}
}

// directiveRank orders directives as csp.ReportableDirectives lists them
// (scripts, styles, then the other fetch directives), the rest after.
var directiveRank = func() map[csp.Directive]int {
	m := map[csp.Directive]int{}
	for i, d := range csp.ReportableDirectives() {
		m[d] = i
	}
	return m
}()

func rank(d csp.Directive) int {
	if r, ok := directiveRank[d]; ok {
		return r
	}
	return len(directiveRank)
}

// sortReports orders reports by directive, blocked URL, page and
// disposition, so the output does not depend on the store's order (most
// recently seen first, which changes with every report).
func sortReports(rs []Report) {
	slices.SortFunc(rs, func(a, b Report) int {
		return cmp.Or(cmp.Compare(rank(csp.Directive(a.Directive)), rank(csp.Directive(b.Directive))),
			cmp.Compare(a.Directive, b.Directive), cmp.Compare(a.BlockedURL, b.BlockedURL),
			cmp.Compare(a.DocumentPath, b.DocumentPath), cmp.Compare(a.Disposition, b.Disposition))
	})
}

func sortRefusals(rs []Refusal) {
	slices.SortStableFunc(rs, func(a, b Refusal) int {
		return cmp.Or(cmp.Compare(rank(csp.Directive(a.Directive)), rank(csp.Directive(b.Directive))),
			cmp.Compare(a.Directive, b.Directive), cmp.Compare(a.BlockedURL, b.BlockedURL),
			cmp.Compare(a.DocumentPath, b.DocumentPath))
	})
}

func compareChanges(a, b Change) int {
	return cmp.Or(cmp.Compare(rank(a.Directive), rank(b.Directive)), cmp.Compare(a.Directive, b.Directive),
		cmp.Compare(a.Source, b.Source))
}
