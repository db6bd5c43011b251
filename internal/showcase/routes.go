package showcase

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/lint"
	views "github.com/noncekit/noncekit/views/showcase"
)

// routes declares every showcase route and, in the same place, its route
// group's policy. Each catalogue page's policy is in its Catalogue entry.
func (s *Showcase) routes(r chi.Router) {
	m := s.app.CSP()
	r.Route("/demo", func(r chi.Router) {
		// The live demo enforces the site policy under its own group name,
		// so its reports are told apart from real pages' reports.
		r.With(m.Middleware(csp.Group{Name: "demo", Enforce: s.site})).Get("/", s.demo)
		// The report-only twin: the same policy, only reported.
		r.With(m.Middleware(csp.Group{Name: "demo-report-only", ReportOnly: s.site})).
			Get("/report-only", s.demoReportOnly)
		r.With(m.Middleware(csp.Group{Name: "catalogue", Enforce: s.site})).Get("/catalogue", s.catalogue)
		for _, d := range Catalogue {
			g := d.Group(s.site, s.api)
			group := m.Middleware(g)
			r.With(group).Get("/"+d.Slug, s.demoPage(d, g))
			if d.Routes != nil {
				d.Routes(s, r.With(group))
			}
		}
		// Each live demo view's reports: received here, listed to the page
		// that has the view's id (viewreport.go). JSON, not a page: the
		// API policy.
		reports := r.With(m.Middleware(csp.Group{Name: "demo-reports", Enforce: s.api}))
		reports.Post("/reports", s.receiveViewReports())
		reports.Get("/reports", s.listViewReports)
		// The JSONP endpoint of the allowlist demo is JavaScript, never a
		// page: it gets the API policy.
		r.With(m.Middleware(csp.Group{Name: "jsonp", Enforce: s.api})).Get("/jsonp", s.jsonp)
	})

	// The policy lab: its page may frame the preview (frame-src 'self'),
	// and its form is refused cross-origin by the router's guard. The
	// learner's policy is in a signed cookie, not a session: no route
	// here writes server-side state.
	lab := m.Middleware(csp.Group{Name: "lab", Enforce: s.site.Set(csp.FrameSrc, csp.Self)})
	r.With(lab).Get("/lab", s.lab)
	r.With(lab).Post("/lab", s.labSubmit)
	// The preview is in no route group: its handler writes the learner's
	// policy as its only header.
	r.Get("/lab/preview", s.labPreview)
	// The preview's <object> probe: nothing in it may run, and only this
	// site may embed it.
	r.With(m.Middleware(csp.Group{Name: "lab-object", Enforce: s.api.Replace(csp.FrameAncestors, csp.Self)})).
		Get("/lab/object", s.labObject)
}

// demo and demoReportOnly show the header the middleware set for this very
// response, so what the page displays is what the browser enforces, and
// list the reports this page view causes (see tagView). tagView comes
// first: it changes the report URL in the header shown.
func (s *Showcase) demo(w http.ResponseWriter, r *http.Request) {
	reports := s.tagView(w)
	d := views.Demo{HeaderName: csp.HeaderCSP, HeaderValue: w.Header().Get(csp.HeaderCSP), ReportsURL: reports, Catalogue: listed()}
	s.app.Render(w, r, http.StatusOK, views.DemoPage(d))
}

func (s *Showcase) demoReportOnly(w http.ResponseWriter, r *http.Request) {
	reports := s.tagView(w)
	d := views.Demo{ReportOnly: true, HeaderName: csp.HeaderCSPReportOnly, HeaderValue: w.Header().Get(csp.HeaderCSPReportOnly),
		ReportsURL: reports, Catalogue: listed()}
	s.app.Render(w, r, http.StatusOK, views.DemoPage(d))
}

func (s *Showcase) catalogue(w http.ResponseWriter, r *http.Request) {
	s.app.Render(w, r, http.StatusOK, views.CataloguePage(listed()))
}

// demoPage serves one catalogue page. It shows the headers the group's
// middleware set for this very response, and lints the policy as declared
// (with the nonce slot, not this response's nonce), so findings read the
// same on every reload.
func (s *Showcase) demoPage(d Demo, g csp.Group) http.HandlerFunc {
	var findings []lint.Finding
	if !g.Enforce.IsZero() {
		findings = lint.Policy(g.Enforce, lint.AsHeader)
	}
	entry := views.Entry{Slug: d.Slug, Title: d.Title, Summary: d.Summary}
	return func(w http.ResponseWriter, r *http.Request) {
		v := views.DemoView{Entry: entry, Expect: d.Expect, Findings: findings}
		if d.Live {
			// First: it changes the report URL in the headers shown below.
			v.ReportsURL, v.Host, v.Secure = s.tagView(w), r.Host, r.TLS != nil
		}
		v.Enforce, v.ReportOnly = w.Header().Get(csp.HeaderCSP), w.Header().Get(csp.HeaderCSPReportOnly)
		s.app.Render(w, r, http.StatusOK, d.View(v))
	}
}
