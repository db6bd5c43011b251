package server

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/forwarded"
	"github.com/noncekit/noncekit/internal/headers"
	"github.com/noncekit/noncekit/internal/session"
	"github.com/noncekit/noncekit/internal/showcase"
	"github.com/noncekit/noncekit/static"
	"github.com/noncekit/noncekit/views/layout"
)

// routes declares every route and, in the same place, the policy of each
// route group. To add a page, register it in the group whose policy it
// should get; to give a new group its own policy, derive it from
// s.policies.Site with Add (extend), Replace, or declare Exempt.
func (s *Server) routes() http.Handler {
	site, api := s.policies.Site, s.policies.API
	s.site = s.csp.Middleware(csp.Group{Name: "site", Enforce: site})
	apiGroup := s.csp.Middleware(csp.Group{Name: "api", Enforce: api})
	s.links = []layout.Link{
		{Href: "/", Label: "Home", Nav: true},
		{Href: "/reports", Label: "Reports", Nav: true, Blurb: "What browsers reported to this server, aggregated."},
		{Href: "/api/policies", Label: "Every route group's policy", Blurb: "JSON listing each group's headers, as compiled at start-up."},
		{Href: "/signin", Label: "Sign in", Nav: true, Show: layout.SignedOut},
		{Href: "/account", Label: "Account", Nav: true, Show: layout.SignedIn},
		// make page adds links above this line
	}

	// Cross-origin protection for every unsafe method: a form on another
	// site cannot POST here with the visitor's cookies. The report route is
	// the one exemption, measured in Chromium: most reports come
	// same-origin (report-uri: Sec-Fetch-Site same-origin; report-to: no
	// Sec-Fetch-Site, an Origin matching Host), but a frame refused by
	// frame-ancestors reports with Sec-Fetch-Site cross-site and Origin
	// null, and would be refused. The receiver needs no such protection: it
	// reads no cookie and changes nothing a visitor owns, and it has its own
	// size, shape and rate limits.
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern("POST " + s.csp.ReportPath)
	cop.SetDenyHandler(s.errorPage(http.StatusForbidden))

	r := chi.NewRouter()
	// First: who the client is and which scheme it used, from a trusted
	// proxy's headers (TRUSTED_PROXIES, BEHIND_TLS_PROXY) or else the
	// connection. Everything after it, report.ClientKey and
	// forwarded.HTTPS included, sees the answer.
	r.Use((&forwarded.Resolver{Trusted: s.cfg.TrustedProxies, BehindTLSProxy: s.cfg.BehindTLSProxy}).Middleware)
	r.Use(middleware.RequestID)
	r.Use(accessLog(s.log, s.refusedReport))
	r.Use(s.recoverer)
	r.Use(s.limitHeaders)
	sec := headers.Default()
	r.Use(sec.Middleware())
	r.Use(cop.Handler)
	r.Use(headAsGet)

	// Pages: the strict nonce-based policy.
	r.Group(func(r chi.Router) {
		r.Use(s.site)
		r.Get("/", s.home)
		// make page adds routes above this line

		// Pages with a session: only these routes pay for loading and
		// saving one (a store round trip). Keep streams out: the session
		// middleware's writer has no Flush.
		r.Group(func(r chi.Router) {
			r.Use(s.sessions.Middleware)
			r.Get("/signin", s.signInForm)
			r.Post("/signin", s.signIn)
			r.Post("/signout", s.signOut)
			r.With(session.RequireSignIn(signInURL(noticeSignIn))).Get("/account", s.account)
			r.With(s.requireOperatorPage).Get("/reports", s.reportsPage)
		})

	})

	// Cacheable pages: the same for every visitor, so browsers and CDNs may
	// keep them (csp.Group.CacheFor): no nonce, no session, scripts allowed
	// by hash (s.policies.Cacheable). For a marketing page, docs, a pricing
	// table; a page that shows who is signed in, or takes a form, belongs
	// in the site group. Register pages with s.cacheablePage: each is
	// rendered once at start-up, so a page that needs a nonce stops it.
	cacheable := s.csp.Middleware(csp.Group{Name: "cacheable", Enforce: s.policies.Cacheable, CacheFor: 5 * time.Minute})
	r.Group(func(r chi.Router) {
		r.Use(cacheable)
		// make page CACHE=public adds pages above this line
	})

	// JSON, health and the report receiver: nothing may render or frame
	// them, nor cache them.
	r.Group(func(r chi.Router) {
		r.Use(apiGroup, noStore)
		r.Get("/healthz", s.healthz)
		r.Get("/readyz", s.readyz)
		r.Get("/api/policies", s.apiPolicies)
		r.With(s.requireOperatorAPI).Get("/api/reports", s.apiReports)
		// Anyone may POST here: limit each client, then how many are served
		// at once. Neither ever answers 5xx. A frame refused by
		// frame-ancestors reports from an opaque origin, and with
		// Cross-Origin-Resource-Policy: same-origin Chromium would log a
		// blocked response for each such report: the answer is an empty 204,
		// so there is nothing to protect. The route's headers replace the
		// site-wide ones, with only that value changed.
		rep := sec
		rep.CrossOriginResourcePolicy = "cross-origin"
		receiver := report.NewHandler(s.sink)
		receiver.Logger = s.log
		receiver.Rate, receiver.Burst, receiver.Now = s.cfg.ReportRate, s.cfg.ReportBurst, s.now
		r.With(rep.Middleware()).Post(s.csp.ReportPath, receiver.ServeHTTP)
	})

	// The live stream of stored reports, for operators. Its own group for
	// the same policy: it is a long response, not a page. Outside the
	// session middleware (its writer cannot flush): requireOperatorAPI
	// reads the session without it.
	r.With(s.csp.Middleware(csp.Group{Name: "stream", Enforce: api}), s.requireOperatorAPI, noStore).
		Get("/api/reports/stream", s.reportStream)

	// Static files: content-hashed names cached for a year, no nonce.
	r.Group(func(r chi.Router) {
		r.Use(s.csp.Middleware(csp.Group{Name: "static", Enforce: api}))
		files := static.HandlerWith(s.errorPage(http.StatusNotFound))
		r.Get(static.Prefix+"*", files.ServeHTTP) // and HEAD, through headAsGet
	})

	if s.cfg.BenchRoutes {
		// The same page with and without the security middleware, and as
		// a cacheable page, for `make load` and the benchmarks
		// (docs/performance.md). Registered only on request:
		// /bench/plain is deliberately a page with no policy at all.
		r.Get("/bench/plain", s.home)
		r.With(s.site).Get("/bench/csp", s.home)
		r.With(cacheable).Get("/bench/cached", s.home)
	}

	// The showcase: the live demos, the catalogue and the policy lab.
	// Delete this line (and internal/showcase, views/showcase,
	// static/showcase) to make the kit yours: `make remove-showcase`.
	s.mountIf(s.cfg.Showcase, "showcase", func() { showcase.Mount(r, s) })

	// Errors are pages too: rendered by the kit, nonced, under the site policy.
	r.NotFound(s.errorPage(http.StatusNotFound).ServeHTTP)
	r.MethodNotAllowed(s.errorPage(http.StatusMethodNotAllowed).ServeHTTP)
	return r
}
