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
	List(ctx context.Context, f store.Filter) ([]report.Aggregate, error)
	NoiseCount(ctx context.Context) (int64, error)
}

// noReports stands in when no store is configured: empty lists.
type noReports struct{}

func (noReports) List(context.Context, store.Filter) ([]report.Aggregate, error) {
	return []report.Aggregate{}, nil
}
func (noReports) NoiseCount(context.Context) (int64, error) { return 0, nil }

// reportsJSON is the body of GET /api/reports.
type reportsJSON struct {
	Reports []report.Aggregate `json:"reports"`
	Noise   int64              `json:"noise"`
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
	list, noise, err := s.readReports(r.Context(), f)
	if err != nil {
		http.Error(w, "reports are unavailable", http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, http.StatusOK, reportsJSON{Reports: list, Noise: noise})
}

func (s *Server) readReports(ctx context.Context, f store.Filter) ([]report.Aggregate, int64, error) {
	list, err := s.store.List(ctx, f)
	if err == nil {
		var noise int64
		noise, err = s.store.NoiseCount(ctx)
		if err == nil {
			return list, noise, nil
		}
	}
	s.log.ErrorContext(ctx, "reading reports", slog.Any("error", err))
	return nil, 0, err
}
