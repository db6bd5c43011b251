package showcase

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/csp/suggest"
	views "github.com/noncekit/noncekit/views/showcase"
)

// learnGroup is the /demo/learn page's route group name: its slug.
const learnGroup = "learn"

// learnPolicy is /demo/learn's: the site policy, report-only, as a team
// trying it out would send it first.
func learnPolicy(site, _ csp.Policy) csp.Group { return csp.Group{ReportOnly: site} }

// Bounds of a suggestion request: the page sends the reports its own view
// caused, a handful.
const (
	maxLearnBody    = 32 << 10
	maxLearnReports = 64
)

// learnRoutes are what /demo/learn loads and asks. The "third-party" files
// are fetched from the page's second origin (the same server under its
// other loopback name), so they allow cross-origin embedding, which the
// site-wide Cross-Origin-Resource-Policy refuses; they are served with the
// page's group, like everything registered here.
func (s *Showcase) learnRoutes(r chi.Router) {
	r.Get("/learn/third-party.svg", thirdParty("image/svg+xml", views.LearnImage))
	r.Get("/learn/third-party.js", thirdParty("text/javascript; charset=utf-8", views.DemoScript))
	site, api := s.site, s.api
	g := learnPolicy(site, api)
	g.Name = learnGroup
	opts := suggest.Options{Bases: []suggest.Base{{Name: "site", Policy: site}, {Name: "api", Policy: api}}}
	r.Post("/learn/suggest", func(w http.ResponseWriter, r *http.Request) { s.learnSuggest(w, r, g, opts) })
}

func thirdParty(contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", contentType)
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		_, _ = w.Write([]byte(body))
	}
}

// learnSuggest is POST /demo/learn/suggest: the page sends the reports its
// view caused, as the server listed them (report.Violation's JSON form),
// and gets back what package
// suggest makes of them against the page's declared policy, as JSON. The
// reports come from the visitor, who could send anything: they only feed
// a pure function whose answer goes back to the same visitor, as JSON the
// page writes with textContent. Nothing is stored.
func (s *Showcase) learnSuggest(w http.ResponseWriter, r *http.Request, g csp.Group, o suggest.Options) {
	var body struct {
		Reports []report.Violation `json:"reports"`
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLearnBody)
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			http.Error(w, "too many reports", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, `want {"reports": [...]}`, http.StatusBadRequest)
		return
	}
	if len(body.Reports) > maxLearnReports {
		http.Error(w, "too many reports", http.StatusRequestEntityTooLarge)
		return
	}
	// Aggregated as the store would: one per kind, counted.
	var aggs []report.Aggregate
	now := time.Now().UTC()
	for _, rep := range body.Reports {
		if rep.Group != g.Name {
			continue
		}
		a := report.Aggregate{Group: rep.Group, Directive: rep.EffectiveDirective, BlockedURL: rep.BlockedURL,
			DocumentPath: report.DocumentPath(rep.DocumentURL), Disposition: rep.Disposition, Sample: rep.Sample,
			Count: 1, FirstSeen: now, LastSeen: now}
		merged := false
		for i := range aggs {
			b := &aggs[i]
			if b.Directive == a.Directive && b.BlockedURL == a.BlockedURL && b.DocumentPath == a.DocumentPath && b.Disposition == a.Disposition {
				b.Count++
				merged = true
				break
			}
		}
		if !merged {
			aggs = append(aggs, a)
		}
	}
	out := suggest.Suggest(g, aggs, o)
	if out == nil {
		out = []suggest.Suggestion{}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
