package server

import (
	"context"
	"time"

	"github.com/noncekit/noncekit/csp/suggest"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/views/pages"
)

// newWindow is how long a kind of report counts as new on the dashboard
// when the server has been running for longer.
const newWindow = 24 * time.Hour

// isNew says whether a kind of report first seen at first is new: seen
// since the server started (the last deploy), or within newWindow.
// The store keeps times to the millisecond, so the start is compared at
// that precision.
func (s *Server) isNew(first time.Time) bool {
	return !first.Before(s.started.Truncate(time.Millisecond)) || !first.Before(s.now().Add(-newWindow))
}

// suggestionBases are the policies routes.go derives its groups' from, by
// the names it gives them there, so a suggestion reads like the route
// table: site.Add(...).
func (s *Server) suggestionBases() []suggest.Base {
	return []suggest.Base{{Name: "site", Policy: s.policies.Site}, {Name: "api", Policy: s.policies.API}}
}

// maxSuggestionKinds bounds the kinds of report the "Suggested changes"
// panel is computed from, and lists: the most reported ones (store.ByCount).
// Real third parties and real mistakes are reported by every visitor who
// meets them, so they come first; what a flood of forged reports adds is
// one-off kinds, which come last. The bound keeps the panel's cost and
// size the same at 500 stored kinds and at 10,000.
const maxSuggestionKinds = 500

// suggestions computes the dashboard's "Suggested changes" panel from the
// maxSuggestionKinds most reported kinds of group ("" for all groups),
// whatever the other filters (a change is only safe to suggest from a
// group's reports as a whole, not from one directive's). from is the
// number of kinds it used when it reached that bound, 0 otherwise. It
// stops, with the context's error, when ctx ends.
func (s *Server) suggestions(ctx context.Context, group string) (out []pages.Suggestion, from int, err error) {
	aggs, err := s.store.List(ctx, store.Filter{Group: group, Order: store.ByCount, Limit: maxSuggestionKinds + 1})
	if err != nil {
		return nil, 0, err
	}
	if len(aggs) > maxSuggestionKinds {
		aggs, from = aggs[:maxSuggestionKinds], maxSuggestionKinds
	}
	ss, err := suggest.GroupsContext(ctx, s.csp.Groups(), aggs, suggest.Options{Bases: s.suggestionBases()})
	if err != nil {
		return nil, 0, err
	}
	for _, sg := range ss {
		if !sg.Pending() {
			continue
		}
		p := pages.Suggestion{Group: sg.Group, Header: sg.Header, Field: sg.Field, Value: sg.Value, Go: sg.Go, Blockers: sg.Blockers}
		for _, r := range sg.Resolved {
			item := s.suggestedReport(r.Report)
			item.Change, item.Note = string(r.By.Directive)+" gets "+string(r.By.Source), r.By.Note
			p.Resolved = append(p.Resolved, item)
		}
		for _, r := range sg.Refused {
			item := s.suggestedReport(r.Report)
			item.Why, item.Instead = r.Why, r.Instead
			p.Refused = append(p.Refused, item)
		}
		out = append(out, p)
	}
	return out, from, nil
}

func (s *Server) suggestedReport(r suggest.Report) pages.SuggestedReport {
	return pages.SuggestedReport{Directive: r.Directive, BlockedURL: r.BlockedURL, DocumentPath: r.DocumentPath,
		Disposition: r.Disposition, Count: r.Count, Sample: r.Sample, New: s.isNew(r.FirstSeen)}
}
