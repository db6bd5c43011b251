package server

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/noncekit/noncekit/internal/csp"
	"github.com/noncekit/noncekit/internal/devreload"
	"github.com/noncekit/noncekit/internal/headers"
	"github.com/noncekit/noncekit/internal/ratelimit"
	"github.com/noncekit/noncekit/internal/reports"
	"github.com/noncekit/noncekit/internal/session"
	"github.com/noncekit/noncekit/static"
	"github.com/noncekit/noncekit/views/pages"
)

// routes declares every route and, in the same place, the policy of each
// route group. To add a page, register it in the group whose policy it
// should get; to give a new group its own policy, derive it from SitePolicy
// with Add (extend), Replace, or declare Exempt.
func (s *Server) routes() http.Handler {
	s.site = s.csp.Middleware(csp.Group{Name: "site", Enforce: SitePolicy})
	api := s.csp.Middleware(csp.Group{Name: "api", Enforce: apiPolicy})

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
	cop.AddInsecureBypassPattern("POST /csp-report")
	cop.SetDenyHandler(s.errorPage(http.StatusForbidden))

	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(accessLog(s.log))
	r.Use(s.recoverer)
	r.Use(s.limitHeaders)
	sec := headers.Default()
	sec.BehindTLSProxy = s.cfg.BehindTLSProxy
	r.Use(sec.Middleware())
	r.Use(cop.Handler)
	if s.cfg.Dev {
		r.Use(devreload.Middleware)
	}

	// Pages: the strict nonce-based policy.
	r.Group(func(r chi.Router) {
		r.Use(s.site)
		r.Get("/", s.home)
		r.Get("/reports", s.reportsPage)

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
			r.Use(s.csp.Middleware(csp.Group{Name: "demo", Enforce: SitePolicy}))
			r.Get("/", s.demo)
			// Report-only replaces the enforced header: the same policy,
			// only reported. The nonce is shared with the parent group's.
			r.With(s.csp.Middleware(csp.Group{Name: "demo-report-only", ReportOnly: SitePolicy})).
				Get("/report-only", s.demoReportOnly)
			r.Get("/catalogue", s.catalogue)
			s.catalogueRoutes(r)
		})
	})

	// The policy lab: its page may frame the preview (frame-src 'self'),
	// and its form is refused cross-origin. Sessions wrap these routes only.
	r.Group(func(r chi.Router) {
		r.Use(s.sessions.Middleware)
		lab := s.csp.Middleware(csp.Group{Name: "lab", Enforce: SitePolicy.Set(csp.FrameSrc, csp.Self)})
		r.With(lab).Get("/lab", s.lab)
		r.With(lab).Post("/lab", s.labSubmit) // cross-origin POSTs are refused by the router's guard
		// The preview is in no route group: its handler writes the
		// learner's policy as its only header.
		r.Get("/lab/preview", s.labPreview)
	})
	// The preview's <object> probe: nothing in it may run, and only this
	// site may embed it.
	r.With(s.csp.Middleware(csp.Group{Name: "lab-object", Enforce: apiPolicy.Replace(csp.FrameAncestors, csp.Self)})).
		Get("/lab/object", s.labObject)

	// JSON, health and the report receiver: nothing may render or frame them.
	r.Group(func(r chi.Router) {
		r.Use(api)
		r.Get("/healthz", s.healthz)
		r.Get("/api/policies", s.apiPolicies)
		r.Get("/api/reports", s.apiReports)
		// Anyone may POST here: limit each client, then how many are served
		// at once. Neither ever answers 5xx. A frame refused by
		// frame-ancestors reports from an opaque origin, and with
		// Cross-Origin-Resource-Policy: same-origin Chromium would log a
		// blocked response for each such report: the answer is an empty 204,
		// so there is nothing to protect. The route's headers replace the
		// site-wide ones, with only that value changed.
		rep := sec
		rep.CrossOriginResourcePolicy = "cross-origin"
		r.With(rep.Middleware()).Post("/csp-report", reports.NewHandler(s.log, s.sink, reports.HandlerOptions{Limiter: s.limiter, Key: ratelimit.ClientKey, MaxInFlight: maxReportsInFlight}).ServeHTTP)
		if s.cfg.Dev {
			r.Get(devreload.Path, devreload.Handler(s.stopping).ServeHTTP)
		}
	})

	// The live stream of stored reports, for the demo pages. Its own group
	// for the same policy: it is a long response, not a page.
	r.With(s.csp.Middleware(csp.Group{Name: "stream", Enforce: apiPolicy})).
		Get("/api/reports/stream", s.reportStream)

	// Static files: content-hashed names cached for a year, no nonce.
	r.Group(func(r chi.Router) {
		r.Use(s.csp.Middleware(csp.Group{Name: "static", Enforce: apiPolicy}))
		files := static.HandlerWith(s.errorPage(http.StatusNotFound))
		r.Get(static.Prefix+"*", files.ServeHTTP)
		r.Head(static.Prefix+"*", files.ServeHTTP)
	})

	if s.cfg.BenchRoutes {
		// The same page with and without the security middleware, for
		// `make load` (docs/performance.md). Registered only on request:
		// /bench/plain is deliberately a page with no policy at all.
		r.Get("/bench/plain", s.home)
		r.With(s.site).Get("/bench/csp", s.home)
	}

	// Errors are pages too: rendered by the kit, nonced, under the site policy.
	r.NotFound(s.errorPage(http.StatusNotFound).ServeHTTP)
	r.MethodNotAllowed(s.errorPage(http.StatusMethodNotAllowed).ServeHTTP)
	return r
}

// catalogueRoutes registers the demo catalogue: one page per CSP behaviour,
// each in its own route group, so each policy below is exactly the header
// its page is served with. Every policy is derived from SitePolicy, to show
// how a group extends (Add, Set), narrows (Replace) or drops (Without) a
// directive of the site's policy.
func (s *Server) catalogueRoutes(r chi.Router) {
	page := func(path string, g csp.Group, view func(pages.DemoView) templ.Component) {
		r.With(s.csp.Middleware(g)).Get(path, s.demoPage(g, view))
	}
	slug := func(name string) string { return "/" + name }

	// Handler attributes: the site policy blocks them all...
	page(slug(pages.SlugInlineHandler), csp.Group{Name: "demo-inline-handler", Enforce: SitePolicy}, pages.InlineHandlerDemo)
	// ...'unsafe-hashes' lets the hash of one attribute value through.
	page(slug(pages.SlugUnsafeHashes), csp.Group{Name: "demo-unsafe-hashes", Accept: "demonstrates 'unsafe-hashes'",
		Enforce: SitePolicy.Add(csp.ScriptSrc, csp.UnsafeHashes, csp.SHA256(pages.HandlerAllowed))},
		pages.UnsafeHashesDemo)

	// style= attributes: blocked by style-src, allowed by style-src-attr alone.
	page(slug(pages.SlugStyleAttr), csp.Group{Name: "demo-style-attr", Enforce: SitePolicy},
		func(v pages.DemoView) templ.Component { return pages.StyleAttrDemo(v, false) })
	page(slug(pages.SlugStyleAttrAllow), csp.Group{Name: "demo-style-attr-allowed", Accept: "demonstrates style-src-attr 'unsafe-inline'",
		Enforce: SitePolicy.Set(csp.StyleSrcAttr, csp.UnsafeInline)},
		func(v pages.DemoView) templ.Component { return pages.StyleAttrDemo(v, true) })

	page(slug(pages.SlugEval), csp.Group{Name: "demo-eval", Enforce: SitePolicy}, pages.EvalDemo)

	// Hashes come from the registry the page's blocks were declared in, so
	// the policy and the markup cannot drift apart.
	page(slug(pages.SlugHashes), csp.Group{Name: "demo-hashes", Enforce: SitePolicy.
		Add(csp.ScriptSrc, pages.HashDemo.ScriptHashes()...).
		Add(csp.StyleSrc, pages.HashDemo.StyleHashes()...)},
		pages.HashesDemo)

	page(slug(pages.SlugStrictDynamic), csp.Group{Name: "demo-strict-dynamic", Enforce: SitePolicy}, pages.StrictDynamicDemo)
	page(slug(pages.SlugBaseURI), csp.Group{Name: "demo-base-uri", Enforce: SitePolicy}, pages.BaseURIDemo)

	// JSONP: an allowlist policy (script-src 'self') runs the injected call,
	// the site's nonce policy does not. The endpoint itself is JavaScript,
	// never a page: it gets the API policy.
	page(slug(pages.SlugJSONPAllowlist), csp.Group{Name: "demo-jsonp-allowlist", Accept: "demonstrates the JSONP bypass of a host allowlist",
		Enforce: SitePolicy.Replace(csp.ScriptSrc, csp.Self)},
		func(v pages.DemoView) templ.Component { return pages.JSONPDemo(v, false) })
	page(slug(pages.SlugJSONPStrict), csp.Group{Name: "demo-jsonp-strict", Enforce: SitePolicy},
		func(v pages.DemoView) templ.Component { return pages.JSONPDemo(v, true) })
	r.With(s.csp.Middleware(csp.Group{Name: "demo-jsonp", Enforce: apiPolicy})).Get("/jsonp", s.jsonp)

	page(slug(pages.SlugTrustedTypes), csp.Group{Name: "demo-trusted-types", Enforce: SitePolicy.
		Set(csp.RequireTrustedTypesFor, "'script'").
		Set(csp.TrustedTypes, "noncekit-demo")},
		pages.TrustedTypesDemo)

	// Framing: the outer page may frame its own site; of the two framed
	// pages, one keeps the site's frame-ancestors 'none', one allows 'self'.
	page(slug(pages.SlugFraming), csp.Group{Name: "demo-framing", Enforce: SitePolicy.Set(csp.FrameSrc, csp.Self)}, pages.FramingDemo)
	page("/framing/refused", csp.Group{Name: "demo-framed-refused", Enforce: SitePolicy},
		func(v pages.DemoView) templ.Component { return pages.FramedPage(v, false) })
	page("/framing/allowed", csp.Group{Name: "demo-framed-allowed", Enforce: SitePolicy.Replace(csp.FrameAncestors, csp.Self)},
		func(v pages.DemoView) templ.Component { return pages.FramedPage(v, true) })

	// Both headers at once: the site policy enforced, a stricter one
	// (Trusted Types) only reported. frame-ancestors is dropped from the
	// report-only copy because browsers ignore it there.
	page(slug(pages.SlugReportOnlyBeside), csp.Group{Name: "demo-report-only-beside",
		Enforce: SitePolicy,
		ReportOnly: SitePolicy.Without(csp.FrameAncestors).
			Set(csp.RequireTrustedTypesFor, "'script'")},
		pages.ReportOnlyBesideDemo)
}
