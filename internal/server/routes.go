package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/noncekit/noncekit/internal/csp"
	"github.com/noncekit/noncekit/internal/devreload"
	"github.com/noncekit/noncekit/static"
)

// routes declares every route and, in the same place, the policy of each
// route group. To add a page, register it in the group whose policy it
// should get; to give a new group its own policy, derive it from sitePolicy
// with Add (extend), Replace, or declare Exempt.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(accessLog(s.log))
	r.Use(middleware.Recoverer)
	if s.cfg.Dev {
		r.Use(devreload.Middleware)
	}

	site := s.csp.Middleware(csp.Group{Name: "site", Enforce: sitePolicy})
	api := s.csp.Middleware(csp.Group{Name: "api", Enforce: apiPolicy})

	// Pages: the strict nonce-based policy.
	r.Group(func(r chi.Router) {
		r.Use(site)
		r.Get("/", s.home)

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
			r.Get(devreload.Path, devreload.Handler().ServeHTTP)
		}
	})

	// Static files: content-hashed names cached for a year, no nonce.
	r.Group(func(r chi.Router) {
		r.Use(s.csp.Middleware(csp.Group{Name: "static", Enforce: apiPolicy}))
		r.Get(static.Prefix+"*", static.Handler().ServeHTTP)
		r.Head(static.Prefix+"*", static.Handler().ServeHTTP)
	})

	if s.cfg.BenchRoutes {
		// The same page with and without the security middleware, for
		// `make load` (docs/performance.md). Registered only on request:
		// /bench/plain is deliberately a page with no policy at all.
		r.Get("/bench/plain", s.home)
		r.With(site).Get("/bench/csp", s.home)
	}

	// Errors are pages too: rendered by the kit, nonced, under the site policy.
	r.NotFound(site(http.HandlerFunc(s.notFound)).ServeHTTP)
	r.MethodNotAllowed(site(http.HandlerFunc(s.methodNotAllowed)).ServeHTTP)
	return r
}
