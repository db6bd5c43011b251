package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/noncekit/noncekit/internal/csp"
	"github.com/noncekit/noncekit/internal/devreload"
	"github.com/noncekit/noncekit/internal/headers"
	"github.com/noncekit/noncekit/internal/session"
	"github.com/noncekit/noncekit/static"
)

// routes declares every route and, in the same place, the policy of each
// route group. To add a page, register it in the group whose policy it
// should get; to give a new group its own policy, derive it from sitePolicy
// with Add (extend), Replace, or declare Exempt.
func (s *Server) routes() http.Handler {
	s.site = s.csp.Middleware(csp.Group{Name: "site", Enforce: sitePolicy})
	api := s.csp.Middleware(csp.Group{Name: "api", Enforce: apiPolicy})

	// Cross-origin protection for every unsafe method: a form on another
	// site cannot POST here with the visitor's cookies. Browsers send CSP
	// reports same-origin (measured in Chromium: Sec-Fetch-Site same-origin
	// for report-uri; no Sec-Fetch-Site but a matching Origin for
	// report-to), so the report route needs no exemption.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(s.errorPage(http.StatusForbidden))

	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(accessLog(s.log))
	r.Use(s.recoverer)
	r.Use(s.limitHeaders)
	r.Use(headers.Default().Middleware())
	r.Use(cop.Handler)
	if s.cfg.Dev {
		r.Use(devreload.Middleware)
	}

	// Pages: the strict nonce-based policy.
	r.Group(func(r chi.Router) {
		r.Use(s.site)
		r.Get("/", s.home)

		// Pages with a session: only these routes pay for loading and
		// saving one (a store round trip). Keep streams out: the session
		// middleware's writer has no Flush.
		r.Group(func(r chi.Router) {
			r.Use(s.sessions.Middleware)
			r.Get("/signin", s.signInForm)
			r.Post("/signin", s.signIn)
			r.Post("/signout", s.signOut)
			r.With(session.RequireSignIn("/signin")).Get("/account", s.account)
		})

		r.Route("/demo", func(r chi.Router) {
			// The demo enforces the site policy under its own group name, so
			// its reports are told apart from real pages' reports.
			r.Use(s.csp.Middleware(csp.Group{Name: "demo", Enforce: sitePolicy}))
			r.Get("/", s.demo)
			// Report-only replaces the enforced header: the same policy,
			// only reported. The nonce is shared with the parent group's.
			r.With(s.csp.Middleware(csp.Group{Name: "demo-report-only", ReportOnly: sitePolicy})).
				Get("/report-only", s.demoReportOnly)
		})
	})

	// JSON, health and the report receiver: nothing may render or frame them.
	r.Group(func(r chi.Router) {
		r.Use(api)
		r.Get("/healthz", s.healthz)
		r.Get("/api/policies", s.apiPolicies)
		r.Post("/csp-report", s.reports.ServeHTTP)
		if s.cfg.Dev {
			r.Get(devreload.Path, devreload.Handler(s.stopping).ServeHTTP)
		}
	})

	// Static files: content-hashed names cached for a year, no nonce.
	r.Group(func(r chi.Router) {
		r.Use(s.csp.Middleware(csp.Group{Name: "static", Enforce: apiPolicy}))
		r.Get(static.Prefix+"*", static.Handler().ServeHTTP)
		r.Head(static.Prefix+"*", static.Handler().ServeHTTP)
	})

	// Errors are pages too: rendered by the kit, nonced, under the site policy.
	r.NotFound(s.errorPage(http.StatusNotFound).ServeHTTP)
	r.MethodNotAllowed(s.errorPage(http.StatusMethodNotAllowed).ServeHTTP)
	return r
}
