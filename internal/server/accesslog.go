package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5/middleware"
)

// accessLog writes one structured line per request, tagged with the request
// ID that middleware.RequestID assigned, so a user's report of a failing
// page can be matched to the server's log.
//
// Requests that counted says are counted elsewhere get no line (counted
// may be nil). The threat: anyone may send requests the kit refuses
// cheaply, and a line per refusal let one client write 7.6 MB of log in
// 10 s by flooding the report endpoint. What is refused there is counted,
// by reason, in the violation log's periodic summary instead
// (refusedReport).
func accessLog(log *slog.Logger, counted func(r *http.Request, status int) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r)
			if counted != nil && counted(r, ww.Status()) {
				return
			}
			log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("id", middleware.GetReqID(r.Context())),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", ww.Status()),
				slog.Int("bytes", ww.BytesWritten()),
				slog.Duration("duration", time.Since(start)),
			)
		})
	}
}

// refusedReport says whether r is a report the receiver refused: a POST of
// the report path answered with one of report.Handler's refusals.
// report.Handler counts each under its reason (report.DropReason) in the
// violation log's summary line, once per interval, so the access log
// leaves it out. Other answers there (a 431 from limitHeaders, a 500) are
// not the handler's, nor counted by it: they keep their line.
func (s *Server) refusedReport(r *http.Request, status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusRequestTimeout,
		http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusTooManyRequests:
		return r.Method == http.MethodPost && r.URL.Path == s.csp.ReportPath
	}
	return false
}
