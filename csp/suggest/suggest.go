package suggest

import (
	"cmp"
	"context"
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
	out, _ := GroupsContext(context.Background(), groups, aggs, o)
	return out
}

// GroupsContext is [Groups] for a caller that may stop waiting, such as an
// HTTP handler whose client went away: it checks ctx as it goes and
// returns ctx's error, and no suggestions, once ctx is done.
func GroupsContext(ctx context.Context, groups []csp.GroupInfo, aggs []report.Aggregate, o Options) ([]Suggestion, error) {
	byGroup := map[string][]report.Aggregate{}
	for _, a := range aggs {
		byGroup[a.Group] = append(byGroup[a.Group], a)
	}
	var out []Suggestion
	for _, g := range groups {
		if as := byGroup[g.Name]; len(as) > 0 {
			ss, err := SuggestContext(ctx, g.Group, as, o)
			if err != nil {
				return nil, err
			}
			out = append(out, ss...)
		}
	}
	return out, nil
}

// Suggest returns what group g's policies should become to allow what the
// aggregates reported, safely: one Suggestion per policy (enforced first)
// that has at least one report. Aggregates of other groups are ignored, and
// so is noise (browser extensions, the browser's own pages: see
// report.IsNoise), which the receiver already keeps out of the store. A
// report of disposition "unknown" (CSP1-era browsers) is taken to be about
// the enforced policy when the group has one.
//
// Its cost grows about linearly with the aggregates (their sorting aside):
// each is classified once, and the changes are linted together, a few
// times in all, not once each. Anyone can store reports, so a caller
// reading an unbounded store should still pass a bounded set, the most
// reported first, as the kit's dashboard does.
func Suggest(g csp.Group, aggs []report.Aggregate, o Options) []Suggestion {
	out, _ := SuggestContext(context.Background(), g, aggs, o)
	return out
}

// SuggestContext is [Suggest] for a caller that may stop waiting: it
// checks ctx as it goes and returns ctx's error, and no suggestions, once
// ctx is done.
func SuggestContext(ctx context.Context, g csp.Group, aggs []report.Aggregate, o Options) ([]Suggestion, error) {
	if g.Exempt {
		return nil, nil
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
		s, err := suggestOne(ctx, g.Name, p.policy, p.disposition, p.aggs, o, applyAll)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// checkEvery is how many reports suggestOne classifies between two looks
// at its context: a few hundred microseconds of work.
const checkEvery = 256

// target is where a change adds a source: one candidate per target.
type target struct {
	d csp.Directive
	s csp.Source
}

// candidate is one change that reports ask for, and the reports.
type candidate struct {
	c       Change
	reports []Report
	// refusal is set when the change cannot be made (Report left empty).
	refusal *Refusal
}

// applier applies candidates' changes to a policy: applyAll, or applyEach
// which it must agree with.
type applier func(ctx context.Context, p csp.Policy, cands []*candidate, d lint.Delivery) (csp.Policy, error)

// suggestOne builds the suggestion for one declared policy.
func suggestOne(ctx context.Context, group string, declared csp.Policy, disposition string, aggs []report.Aggregate, o Options, applyChanges applier) (Suggestion, error) {
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
	// changes, each checked by the linter.
	var candidates []*candidate
	byTarget := map[target]*candidate{}
	for i, r := range rs {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return Suggestion{}, err
			}
		}
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
			t := target{v.change.Directive, v.change.Source}
			cand := byTarget[t]
			if cand == nil {
				cand = &candidate{c: v.change}
				byTarget[t] = cand
				candidates = append(candidates, cand)
			}
			cand.reports = append(cand.reports, r)
		}
	}
	slices.SortStableFunc(candidates, func(a, b *candidate) int { return compareChanges(a.c, b.c) })

	p, err := applyChanges(ctx, declared, candidates, delivery)
	if err != nil {
		return Suggestion{}, err
	}
	for _, cand := range candidates {
		if cand.refusal != nil {
			for _, r := range cand.reports {
				ref := *cand.refusal
				ref.Report = r
				s.Refused = append(s.Refused, ref)
			}
			continue
		}
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
	return s, nil
}

// applyEach applies the candidates' changes to p one at a time, in order,
// each checked by apply against the policy so far; a refused one gets its
// refusal. Two lints per change: the reference applyAll must agree with.
func applyEach(ctx context.Context, p csp.Policy, cands []*candidate, d lint.Delivery) (csp.Policy, error) {
	for _, cand := range cands {
		if err := ctx.Err(); err != nil {
			return p, err
		}
		next, refusal := apply(p, cand.c, d)
		if refusal != nil {
			cand.refusal = refusal
			continue
		}
		p = next
	}
	return p, nil
}

// maxRounds bounds applyAll's lints before it falls back to applyEach.
const maxRounds = 4

// applyAll has the outcome of applyEach at the cost of a few lints in all
// rather than two per change: a policy listing thousands of sources takes
// milliseconds to lint, and reports can ask for thousands of changes.
//
// It makes every change that is not forbidden at once and lints the
// result. Each new High finding names a directive and a source; the change
// that added that source to that directive is refused, with the finding,
// and the rest are made again, until no new High finding is left. The
// linter's High findings are about one source each (a gadget host, a bare
// scheme), so a change is refused here exactly when it would be refused
// alone. Should that stop being true (a finding no change accounts for), or
// should the result not validate, it falls back to applyEach.
func applyAll(ctx context.Context, p csp.Policy, cands []*candidate, d lint.Delivery) (csp.Policy, error) {
	pending := make([]*candidate, 0, len(cands))
	byTarget := make(map[target]*candidate, len(cands))
	for _, cand := range cands {
		if why := forbidden(cand.c.Directive, cand.c.Source); why != "" {
			cand.refusal = unsafeSource(why)
			continue
		}
		pending = append(pending, cand)
		byTarget[target{cand.c.Directive, cand.c.Source}] = cand
	}
	before := map[lint.Finding]bool{}
	for _, f := range lint.Policy(p, d) {
		before[f] = true
	}
	for range maxRounds {
		if err := ctx.Err(); err != nil {
			return p, err
		}
		next := withChanges(p, pending)
		if next.Validate() != nil {
			break
		}
		refused := map[*candidate]lint.Finding{}
		pinned := true
		for _, f := range lint.Policy(next, d) {
			if f.Severity != lint.High || before[f] {
				continue
			}
			cand := byTarget[target{f.Directive, f.Value}]
			if cand == nil {
				pinned = false
				break
			}
			if _, ok := refused[cand]; !ok {
				refused[cand] = f
			}
		}
		if !pinned {
			break
		}
		if len(refused) == 0 {
			return next, nil
		}
		kept := pending[:0]
		for _, cand := range pending {
			if f, ok := refused[cand]; ok {
				cand.refusal = lintHigh(f)
				continue
			}
			kept = append(kept, cand)
		}
		pending = kept
	}
	return applyEach(ctx, p, pending, d)
}

// withChanges is p with every candidate's change made, in order, as apply
// makes each: consecutive changes to one directive share one call, which
// Policy.Add makes cheap however many sources there are.
func withChanges(p csp.Policy, cands []*candidate) csp.Policy {
	for i := 0; i < len(cands); {
		c := cands[i].c
		sources := []csp.Source{c.Source}
		j := i + 1
		for ; j < len(cands) && cands[j].c.Directive == c.Directive; j++ {
			sources = append(sources, cands[j].c.Source)
		}
		if c.Op == opSet && !p.Has(c.Directive) {
			p = p.Set(c.Directive, sources[0]).Add(c.Directive, sources[1:]...)
		} else {
			p = p.Add(c.Directive, sources...)
		}
		i = j
	}
	return p
}

// apply adds c to p and checks the result: it must stay valid, hold none
// of the sources the package never suggests, and bring no High lint
// finding. Otherwise it returns the refusal that explains why.
func apply(p csp.Policy, c Change, delivery lint.Delivery) (csp.Policy, *Refusal) {
	if why := forbidden(c.Directive, c.Source); why != "" {
		return p, unsafeSource(why)
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
			return p, lintHigh(f)
		}
	}
	return next, nil
}

func unsafeSource(why string) *Refusal {
	return &Refusal{Kind: "unsafe-source", Why: why,
		Instead: "Serve the resource from an exact origin, or from this site, and load it the way its kind needs."}
}

func lintHigh(f lint.Finding) *Refusal {
	return &Refusal{Kind: "lint-high", Why: "The linter refuses the change: " + f.String(),
		Instead: "Load the file through a nonced tag from a server you control (csp.Script(src, integrity))."}
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
