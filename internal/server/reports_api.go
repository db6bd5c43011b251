package server

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/reports/store"
)

// reportReader is what the dashboard and the API need of the store.
type reportReader interface {
	reportLister
	Page(ctx context.Context, f store.Filter) (store.Page, error)
	NoiseCount(ctx context.Context) (int64, error)
}

// reportLister reads stored aggregates.
type reportLister interface {
	List(ctx context.Context, f store.Filter) ([]report.Aggregate, error)
}

// noReports stands in when no store is configured: empty lists.
type noReports struct{}

func (noReports) List(context.Context, store.Filter) ([]report.Aggregate, error) {
	return []report.Aggregate{}, nil
}
func (noReports) Page(context.Context, store.Filter) (store.Page, error) {
	return store.Page{Aggregates: []report.Aggregate{}}, nil
}
func (noReports) NoiseCount(context.Context) (int64, error) { return 0, nil }

// reportsJSON is the body of GET /api/reports.
type reportsJSON struct {
	Reports []report.Aggregate `json:"reports"`
	Noise   int64              `json:"noise"`
	// Next, when more rows follow, is the ?after= of the next page.
	Next string `json:"next,omitempty"`
}

// apiReports serves GET /api/reports: the aggregates, most recently seen
// first, filtered like the dashboard. Every string in them was capped and
// escaped by the receiver, and encoding/json escapes <, > and & too.
func (s *Server) apiReports(w http.ResponseWriter, r *http.Request) {
	f, err := parseReportFilter(r.URL.RawQuery)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	page, noise, err := s.readReports(r.Context(), f)
	if err != nil {
		if !clientGone(r) {
			http.Error(w, "reports are unavailable", http.StatusServiceUnavailable)
		}
		return
	}
	writeJSON(w, http.StatusOK, reportsJSON{Reports: page.Aggregates, Noise: noise, Next: page.Next.String()})
}

// readReports reads one page of f and the noise count. A read the client
// abandoned is not the store's failure: it is not logged.
func (s *Server) readReports(ctx context.Context, f store.Filter) (store.Page, int64, error) {
	page, err := s.store.Page(ctx, f)
	if err == nil {
		var noise int64
		noise, err = s.store.NoiseCount(ctx)
		if err == nil {
			return page, noise, nil
		}
	}
	if ctx.Err() == nil {
		s.log.ErrorContext(ctx, "reading reports", slog.Any("error", err))
	}
	return store.Page{}, 0, err
}

// clientGone says whether the client of r went away (its context ended):
// then nothing is left to do, nor anyone to answer.
func clientGone(r *http.Request) bool { return r.Context().Err() != nil }
