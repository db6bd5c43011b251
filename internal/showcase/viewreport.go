package showcase

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
)

// A live demo page (the live demo, its report-only twin, /demo/learn)
// lists the reports its own view caused: an anonymous visitor sees what
// their browser sent, and never another visitor's reports, which only the
// operators' dashboard shows.
//
// Each view gets a random id that goes into the report URL of that one
// response's policy: tagView rewrites the app's report URL,
// <ReportPath>?group=G, to viewReportsPath?view=<id>&group=G. The showcase
// receives those reports itself, with the library's report.Handler (the
// same limits as the app's endpoint), keeps each view's last few in
// memory, and passes every batch on to the app's own sink, so the log, the
// store and the dashboard see them as before. The page polls
// viewReportsPath?view=<id> for its list. The skeleton knows nothing of
// views.
const viewReportsPath = "/demo/reports"

// View store bounds: memory stays under maxViews × maxViewReports
// violations (each at most about 2.5 KiB once normalised) whatever is
// posted. Only a page load registers a view, so posted reports cannot add
// views; a flood of page loads evicts the oldest views first.
const (
	maxViews       = 256
	maxViewReports = 16
	viewLifetime   = 10 * time.Minute
)

// pageViews holds the recent page views' reports.
type pageViews struct {
	mu    sync.Mutex
	byID  map[string]*viewEntry
	order []string // ids, oldest first
	now   func() time.Time
}

type viewEntry struct {
	created time.Time
	reports []report.Violation
}

func newViews() *pageViews { return &pageViews{byID: map[string]*viewEntry{}, now: time.Now} }

// register adds a view with a new id and returns the id: 26 base32
// characters, 130 random bits, so it cannot be guessed.
func (v *pageViews) register() string {
	id := rand.Text()
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	for len(v.order) > 0 && (len(v.order) >= maxViews || now.Sub(v.byID[v.order[0]].created) > viewLifetime) {
		delete(v.byID, v.order[0])
		v.order = v.order[1:]
	}
	v.byID[id] = &viewEntry{created: now}
	v.order = append(v.order, id)
	return id
}

// add keeps the first violations of a known view, up to maxViewReports.
func (v *pageViews) add(id string, vs []report.Violation) {
	v.mu.Lock()
	defer v.mu.Unlock()
	e := v.byID[id]
	if e == nil {
		return // an unknown or expired view: nobody is polling for it
	}
	for i := range vs {
		x := &vs[i]
		if x.Noise || len(e.reports) >= maxViewReports {
			continue
		}
		v := *x
		v.ReceivedAt = v.ReceivedAt.UTC()
		e.reports = append(e.reports, v)
	}
}

// list returns a copy of a view's reports, and false for an unknown view.
func (v *pageViews) list(id string) ([]report.Violation, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	e := v.byID[id]
	if e == nil {
		return nil, false
	}
	return append([]report.Violation{}, e.reports...), true
}

// validViewID reports whether s can be an id register made.
func validViewID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

// tagView gives this page view an id and points this response's report
// URLs (report-uri, and the Reporting-Endpoints entry report-to names) at
// the view's own. It returns the URL the page polls. Call it from the
// handler, after the group's middleware set the headers.
func (s *Showcase) tagView(w http.ResponseWriter) (reportsURL string) {
	id := s.views.register()
	from := s.app.CSP().ReportPath + "?group="
	to := viewReportsPath + "?view=" + id + "&group="
	hdr := w.Header()
	for _, key := range []string{csp.HeaderCSP, csp.HeaderCSPReportOnly, csp.HeaderReportingEndpoints} {
		vs := hdr[key]
		if len(vs) == 0 {
			continue
		}
		// A new slice: a group without a nonce shares its header values
		// between responses. The report URL follows a space (report-uri)
		// or a quote (the endpoint's URL).
		out := make([]string, len(vs))
		for i, v := range vs {
			v = strings.ReplaceAll(v, " "+from, " "+to)
			out[i] = strings.ReplaceAll(v, `"`+from, `"`+to)
		}
		hdr[key] = out
	}
	return viewReportsPath + "?view=" + id
}

type viewKey struct{}

// viewSink keeps each batch for its view and passes it on to the app.
type viewSink struct {
	views *pageViews
	next  report.Sink
}

func (s viewSink) Add(ctx context.Context, b report.Batch) {
	if id, _ := ctx.Value(viewKey{}).(string); id != "" {
		s.views.add(id, b.Violations)
	}
	s.next.Add(ctx, b)
}

// receiveViewReports is POST /demo/reports?view=&group=: the library's
// report handler, with the view id in the context for viewSink. A missing
// or malformed id is refused before the body is read.
func (s *Showcase) receiveViewReports() http.HandlerFunc {
	h := report.NewHandler(viewSink{views: s.views, next: s.app.ReportSink()})
	h.Logger = s.log
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("view")
		if !validViewID(id) {
			http.Error(w, "view: want the page view's id", http.StatusBadRequest)
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), viewKey{}, id)))
	}
}

// listViewReports is GET /demo/reports?view=<id>: the reports of that view,
// report.Violation's JSON form, to anyone who has the id (only its page
// was given it).
func (s *Showcase) listViewReports(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("view")
	if !validViewID(id) {
		http.Error(w, "view: want the page view's id", http.StatusBadRequest)
		return
	}
	list, ok := s.views.list(id)
	if !ok {
		http.Error(w, "view: unknown or expired; reload the page", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(list)
}
