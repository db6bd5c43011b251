// Package showcase is the teaching part of the kit: the live demo and its
// report-only twin, the catalogue of one page per CSP mechanism, the
// policy lab and the JSONP endpoint the allowlist demo needs. It is one removable part: the app's router mounts it with one
// line (internal/server/routes.go), and `make remove-showcase` deletes it
// together with views/showcase and static/showcase. Nothing in the
// skeleton imports it but that line.
package showcase

import (
	"log/slog"
	"net/http"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/session"
	"github.com/noncekit/noncekit/views/layout"
)

// App is what the showcase needs from the app that mounts it.
type App interface {
	Logger() *slog.Logger
	// CSP compiles the showcase's route groups with the app's, so they
	// are validated and linted at start-up like every other group.
	CSP() *csp.Manager
	// SitePolicy and APIPolicy are the policies every demo derives from.
	SitePolicy() csp.Policy
	APIPolicy() csp.Policy
	// Render writes a page, buffered, with the app's layout and links.
	Render(w http.ResponseWriter, r *http.Request, status int, c templ.Component)
	// RenderFragment writes c alone for htmx's request, inside the
	// layout's page otherwise.
	RenderFragment(w http.ResponseWriter, r *http.Request, status int, c templ.Component, page layout.Page)
	// Sessions is the app's session manager; the lab's cookie is Secure
	// exactly when the session cookie is.
	Sessions() *session.Sessions
	// AddLinks puts the showcase in the navigation and on the home page.
	AddLinks(links ...layout.Link)
	// ReportSink is where the app's report endpoint sends what it
	// accepts: the showcase passes on the reports of its live demo views,
	// which it receives itself (viewreport.go).
	ReportSink() report.Sink
}

// Showcase serves the teaching pages.
type Showcase struct {
	app       App
	log       *slog.Logger
	site, api csp.Policy
	labCookie *labCookie
	views     *pageViews // the live demo views' reports
}

// Mount registers every showcase route on r and adds the showcase's links
// to app. Each route group's policy is declared in
// this package (routes.go, and one entry per page in catalogue.go).
func Mount(r chi.Router, app App) error {
	s := &Showcase{app: app, log: app.Logger(), site: app.SitePolicy(), api: app.APIPolicy(),
		labCookie: newLabCookie(app.Sessions().Manager.Cookie.Secure), views: newViews()}
	app.AddLinks(
		layout.Link{Href: "/demo", Label: "Live demo", Nav: true,
			Blurb: "An inline script without the nonce, beside the same script with it. Your browser decides."},
		layout.Link{Href: "/demo/report-only", Label: "The report-only twin",
			Blurb: "The same policy in report-only mode: nothing is blocked, everything is reported."},
		layout.Link{Href: "/demo/catalogue", Label: "Demos", Nav: true,
			Blurb: "Inline handlers, hashes, 'strict-dynamic', Trusted Types, framing and more, each checked live."},
		layout.Link{Href: "/lab", Label: "Policy lab", Nav: true,
			Blurb: "Type a policy; see what the linter says and what it blocks in a preview."},
	)
	s.routes(r)
	return nil
}
