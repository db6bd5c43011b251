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

// suggestions computes the dashboard's "Suggested changes" panel from every
// stored report of group ("" for all groups), whatever the other filters:
// a change is only safe to suggest from all of a group's reports.
func (s *Server) suggestions(ctx context.Context, group string) ([]pages.Suggestion, error) {
	aggs, err := s.store.List(ctx, store.Filter{Group: group, Limit: store.DefaultMaxRows})
	if err != nil {
		return nil, err
	}
	var out []pages.Suggestion
	for _, sg := range suggest.Groups(s.csp.Groups(), aggs, suggest.Options{Bases: s.suggestionBases()}) {
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
	return out, nil
}

func (s *Server) suggestedReport(r suggest.Report) pages.SuggestedReport {
	return pages.SuggestedReport{Directive: r.Directive, BlockedURL: r.BlockedURL, DocumentPath: r.DocumentPath,
		Disposition: r.Disposition, Count: r.Count, Sample: r.Sample, New: s.isNew(r.FirstSeen)}
}
