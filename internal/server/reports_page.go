package server

import (
	"log/slog"
	"net/http"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/views/pages"
)

// reportDispositions are the dispositions a stored report can have: the
// dashboard's filter offers them and parseReportFilter accepts only them.
var reportDispositions = []string{report.DispositionEnforce, report.DispositionReport, report.DispositionUnknown}

// reportsPage serves GET /reports, the dashboard of stored reports. A bad
// filter value renders the page with a message and 400, never a 500.
func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) {
	p := pages.Reports{Groups: s.groupNames, Directives: csp.ReportableDirectives(), Dispositions: reportDispositions, Stored: s.queueStore != nil}
	f, err := parseReportFilter(r.URL.RawQuery)
	if err != nil {
		p.Error = err.Error()
		s.Render(w, r, http.StatusBadRequest, pages.ReportsPage(p))
		return
	}
	p.Filter = pages.ReportFilter{Group: f.Group, Directive: f.Directive, Disposition: f.Disposition}
	list, noise, err := s.readReports(r.Context(), f)
	if err != nil {
		p.Error = "the report store could not be read; see the server log"
		s.Render(w, r, http.StatusServiceUnavailable, pages.ReportsPage(p))
		return
	}
	p.Rows, p.Noise = s.reportRows(list), noise
	if p.Suggestions, err = s.suggestions(r.Context(), f.Group); err != nil {
		s.log.ErrorContext(r.Context(), "reading reports for suggestions", slog.Any("error", err))
		p.Error = "the report store could not be read; see the server log"
		s.Render(w, r, http.StatusServiceUnavailable, pages.ReportsPage(p))
		return
	}
	s.Render(w, r, http.StatusOK, pages.ReportsPage(p))
}

// reportRows is the dashboard's view of the store's aggregates.
func (s *Server) reportRows(list []report.Aggregate) []pages.ReportRow {
	rows := make([]pages.ReportRow, len(list))
	for i, a := range list {
		rows[i] = pages.ReportRow{
			Group: a.Group, Directive: a.Directive, BlockedURL: a.BlockedURL, DocumentPath: a.DocumentPath,
			Disposition: a.Disposition, Count: a.Count, FirstSeen: a.FirstSeen, LastSeen: a.LastSeen,
			Sample: a.Sample, SourceFile: a.SourceFile, Line: a.Line, New: s.isNew(a.FirstSeen),
		}
	}
	return rows
}
