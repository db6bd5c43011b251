package server

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/views/pages"
)

// reportDispositions are the dispositions a stored report can have: the
// dashboard's filter offers them and parseReportFilter accepts only them.
var reportDispositions = []string{report.DispositionEnforce, report.DispositionReport, report.DispositionUnknown}

// reportsPage serves GET /reports, the dashboard of stored reports. A bad
// filter value renders the page with a message and 400, never a 500.
//
// The threat: anyone can store reports, up to the store's cap of kinds, so
// the page must cost what it shows, not what is stored (issue 21: 10,000
// stored kinds took it past any timeout). It shows one page of rows
// (store.Page: ?limit=, at most maxReportLimit, and ?after= for the next
// page), suggests from a bounded set of kinds, and stops working when the
// client goes away.
func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) {
	p := pages.Reports{Groups: s.groupNames, Directives: csp.ReportableDirectives(), Dispositions: reportDispositions, Stored: s.queueStore != nil}
	f, err := parseReportFilter(r.URL.RawQuery)
	if err != nil {
		p.Error = err.Error()
		s.Render(w, r, http.StatusBadRequest, pages.ReportsPage(p))
		return
	}
	p.Filter = pages.ReportFilter{Group: f.Group, Directive: f.Directive, Disposition: f.Disposition}
	page, noise, err := s.readReports(r.Context(), f)
	if err != nil {
		if clientGone(r) {
			return
		}
		p.Error = "the report store could not be read; see the server log"
		s.Render(w, r, http.StatusServiceUnavailable, pages.ReportsPage(p))
		return
	}
	if clientGone(r) {
		// Gone while the table was read: the suggestions are for no one.
		return
	}
	p.Rows, p.Noise = s.reportRows(page.Aggregates), noise
	p.Newest, p.Older = pageLinks(f, page.Next)
	if p.Suggestions, p.SuggestedFrom, err = s.suggestions(r.Context(), f.Group); err != nil {
		if clientGone(r) {
			return
		}
		s.log.ErrorContext(r.Context(), "reading reports for suggestions", slog.Any("error", err))
		p.Error = "the report store could not be read; see the server log"
		s.Render(w, r, http.StatusServiceUnavailable, pages.ReportsPage(p))
		return
	}
	s.Render(w, r, http.StatusOK, pages.ReportsPage(p))
}

// pageLinks are the dashboard's links to the first page of f, when f is
// not on it, and to the page after next, when there is one ("" when not).
func pageLinks(f store.Filter, next store.Cursor) (newest, older string) {
	q := url.Values{}
	for k, v := range map[string]string{"group": f.Group, "directive": f.Directive, "disposition": f.Disposition} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Limit != store.DefaultLimit {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	link := func(q url.Values) string {
		if len(q) == 0 {
			return "/reports"
		}
		return "/reports?" + q.Encode()
	}
	if !f.After.IsZero() {
		newest = link(q)
	}
	if !next.IsZero() {
		q.Set("after", next.String())
		older = link(q)
	}
	return newest, older
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
