package showcase

import (
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/noncekit/noncekit/csp"
	views "github.com/noncekit/noncekit/views/showcase"
)

// Demo is one catalogue page, declared once. Its slug is its URL
// (/demo/<slug>), its route group's name (reports carry it), and the name
// of its subtest in the Chromium suite. The catalogue page, the
// nonce-coverage test, the policy snapshots and the Chromium suite all
// read this table: adding a demo is one entry here and one .templ in
// views/showcase.
type Demo struct {
	Slug    string
	Title   string
	Summary string
	// Policy derives the page's policies from the site policy (site) and
	// the API policy (api): set Enforce, ReportOnly or both. The Name is
	// the slug, whatever Policy sets.
	Policy func(site, api csp.Policy) csp.Group
	// View renders the page's lesson and panels.
	View func(views.DemoView) templ.Component
	// Expect gives each panel's outcome (data-demo name -> what the
	// browser must do): the page shows it, the Chromium suite checks it.
	Expect map[string]string
	// Accept says why the policy's High lint findings are deliberate.
	Accept string
	// Exceptions are the page's deliberately un-nonced elements, which the
	// nonce-coverage test must allow, each with its reason.
	Exceptions []Exception
	// Unlisted keeps the page out of the catalogue's list (a page another
	// demo frames).
	Unlisted bool
	// Routes registers the routes the page fetches (the htmx demo's
	// fragments), relative to /demo, on r, which carries the page's route
	// group: their responses get the page's policy, as a fragment's must.
	Routes func(s *Showcase, r chi.Router)
	// Live gives every view of the page a list of its own reports, as
	// the live demo has (see tagView): DemoView.ReportsURL, and
	// DemoView.Host and Secure, where the browser reached the page.
	Live bool
}

// Exception is one deliberately bad element of a demo page: an element
// with Tag inside the panel named Case, or, when Src is set, the <script>
// loading that static file (on a page whose policy allows it by URL, not
// by nonce).
type Exception struct {
	Tag, Case, Reason string
	Src               string
}

// Path is the page's URL.
func (d Demo) Path() string { return "/demo/" + d.Slug }

// Group is the page's route group.
func (d Demo) Group(site, api csp.Policy) csp.Group {
	g := d.Policy(site, api)
	g.Name, g.Accept = d.Slug, d.Accept
	return g
}

// enforce is the Policy of a page served under one enforced policy.
func enforce(derive func(site csp.Policy) csp.Policy) func(site, api csp.Policy) csp.Group {
	return func(site, _ csp.Policy) csp.Group { return csp.Group{Enforce: derive(site)} }
}

// asIs serves a page under the site policy unchanged.
func asIs(site csp.Policy) csp.Policy { return site }

// Catalogue lists the demo pages in the order they are best read. Every
// policy is derived from the site policy, to show how a group extends
// (Add, Set), narrows (Replace) or drops (Without) a directive of it.
var Catalogue = []Demo{
	{
		Slug: "inline-handler", Title: "Inline event handlers",
		Summary: "An onclick= attribute is script too, and a nonce can never allow it.",
		// The site policy blocks every handler attribute...
		Policy: enforce(asIs), View: views.InlineHandlerDemo,
		Expect:     map[string]string{"onclick-attribute": "blocked", "event-listener": "ran"},
		Exceptions: []Exception{{Tag: "button", Case: "onclick-attribute", Reason: "the demo shows onclick= being blocked"}},
	},
	{
		Slug: "unsafe-hashes", Title: "'unsafe-hashes' for one handler",
		Summary: "A hash that allows exactly one handler attribute, and not its neighbour.",
		// ...'unsafe-hashes' lets the hash of one attribute value through.
		Policy: enforce(func(site csp.Policy) csp.Policy {
			return site.Add(csp.ScriptSrc, csp.UnsafeHashes, csp.SHA256(views.HandlerAllowed))
		}),
		View: views.UnsafeHashesDemo, Accept: "demonstrates 'unsafe-hashes'",
		Expect:     map[string]string{"hashed-handler": "ran", "other-handler": "blocked"},
		Exceptions: []Exception{{Tag: "button", Case: "other-handler", Reason: "a handler whose hash is not listed stays blocked"}},
	},
	{
		Slug: "style-attr", Title: "style= attributes, blocked",
		Summary:    "Inline style attributes fall under style-src, and nonces do not reach them.",
		Policy:     enforce(asIs),
		View:       func(v views.DemoView) templ.Component { return views.StyleAttrDemo(v, false) },
		Expect:     map[string]string{"style-attribute": "blocked", "cssom-style": "applied"},
		Exceptions: []Exception{{Tag: "div", Case: "style-attribute", Reason: "the demo shows style= being blocked"}},
	},
	{
		Slug: "style-attr-allowed", Title: "style= attributes, allowed",
		Summary: "style-src-attr opens attributes alone, leaving <style> blocks nonce-only.",
		Policy: enforce(func(site csp.Policy) csp.Policy {
			return site.Set(csp.StyleSrcAttr, csp.UnsafeInline)
		}),
		View:   func(v views.DemoView) templ.Component { return views.StyleAttrDemo(v, true) },
		Accept: "demonstrates style-src-attr 'unsafe-inline'",
		Expect: map[string]string{"style-attribute": "applied", "cssom-style": "applied"},
	},
	{
		Slug: "eval", Title: "eval and new Function",
		Summary: "Strings turned into code need 'unsafe-eval'; without it they throw.",
		Policy:  enforce(asIs), View: views.EvalDemo,
		Expect: map[string]string{"eval": "blocked", "new-function": "blocked", "json-parse": "ran"},
	},
	{
		Slug: "hashes", Title: "Hashes instead of nonces",
		Summary: "Static inline blocks allowed by a sha256 computed once at start-up.",
		// The hashes come from the registry the page's blocks were
		// declared in, so the policy and the markup cannot drift apart.
		Policy: enforce(func(site csp.Policy) csp.Policy {
			return site.Add(csp.ScriptSrc, views.HashDemo.ScriptHashes()...).
				Add(csp.StyleSrc, views.HashDemo.StyleHashes()...)
		}),
		View:       views.HashesDemo,
		Expect:     map[string]string{"hashed-script": "ran", "altered-script": "blocked", views.CaseHashedStyle: "applied"},
		Exceptions: []Exception{{Tag: "script", Case: "altered-script", Reason: "a script whose hash is not listed is blocked"}},
	},
	{
		Slug: "cached-page", Title: "Hashes for cacheable pages",
		Summary: "The same page for every visitor, kept by caches: no nonce; inline blocks and files allowed by hash.",
		// The site policy with the nonce replaced by hashes, in a cacheable
		// group: public caching, an ETag, and no nonce on the page.
		Policy: func(site, _ csp.Policy) csp.Group {
			return csp.Group{CacheFor: time.Minute, Enforce: site.
				Replace(csp.ScriptSrc, append(views.CacheDemoScripts(), csp.StrictDynamic)...).
				Replace(csp.StyleSrc, append([]csp.Source{csp.Self}, views.CacheDemo.StyleHashes()...)...)}
		},
		View:       views.CacheableDemo,
		Expect:     map[string]string{"hashed-script": "ran", "file-by-integrity": "ran", views.CaseHashedStyle: "applied", "onclick-attribute": "blocked"},
		Exceptions: []Exception{{Tag: "button", Case: "onclick-attribute", Reason: "an injected handler, which no hash allows"}},
	},
	{
		Slug: "strict-dynamic", Title: "'strict-dynamic'",
		Summary: "A nonced loader may add scripts; markup may not.",
		Policy:  enforce(asIs), View: views.StrictDynamicDemo,
		Expect:     map[string]string{"loader-inserted": "ran", "parser-inserted": "blocked"},
		Exceptions: []Exception{{Tag: "script", Case: "parser-inserted", Reason: "a parser-inserted script without a nonce is blocked"}},
	},
	{
		Slug: "base-uri", Title: "base-uri 'none'",
		Summary: "An injected <base> cannot move this page's relative script URLs.",
		Policy:  enforce(asIs), View: views.BaseURIDemo,
		Expect: map[string]string{"injected-base": "blocked", "relative-script": "ran"},
	},
	{
		// An allowlist policy (script-src 'self') runs the injected JSONP
		// call; the site's nonce policy (the next entry) does not.
		Slug: "jsonp-allowlist", Title: "JSONP under a host allowlist",
		Summary: "script-src 'self' runs an injected JSONP call: the classic bypass.",
		Policy: enforce(func(site csp.Policy) csp.Policy {
			return site.Replace(csp.ScriptSrc, csp.Self)
		}),
		View:   func(v views.DemoView) templ.Component { return views.JSONPDemo(v, false) },
		Accept: "demonstrates the JSONP bypass of a host allowlist",
		Expect: map[string]string{"jsonp-injected": "ran"},
		Exceptions: []Exception{
			{Tag: "script", Case: "jsonp-injected", Reason: "the injected JSONP call that an allowlist lets run"},
			{Tag: "script", Src: "js/site.js", Reason: "script-src 'self' loads the site's own script files by URL, not by nonce"},
			{Tag: "script", Src: "showcase/js/demos.js", Reason: "script-src 'self' loads the site's own script files by URL, not by nonce"},
		},
	},
	{
		Slug: "jsonp-strict", Title: "JSONP under nonces",
		Summary:    "The same injection under 'nonce-…' 'strict-dynamic' is blocked.",
		Policy:     enforce(asIs),
		View:       func(v views.DemoView) templ.Component { return views.JSONPDemo(v, true) },
		Expect:     map[string]string{"jsonp-injected": "blocked"},
		Exceptions: []Exception{{Tag: "script", Case: "jsonp-injected", Reason: "the same injected call, blocked by the nonce policy"}},
	},
	{
		Slug: "trusted-types", Title: "Trusted Types",
		Summary: "innerHTML takes only values made by a named policy.",
		Policy: enforce(func(site csp.Policy) csp.Policy {
			return site.Set(csp.RequireTrustedTypesFor, "'script'").Set(csp.TrustedTypes, "noncekit-demo")
		}),
		View:   views.TrustedTypesDemo,
		Expect: map[string]string{"innerhtml-string": "blocked", "innerhtml-policy": "ran"},
	},
	{
		// The outer page may frame its own site; of the two framed pages
		// (the next two entries), one keeps the site's frame-ancestors
		// 'none', one allows 'self'.
		Slug: "framing", Title: "frame-ancestors",
		Summary: "A page that refuses to be framed beside one that allows its own site.",
		Policy: enforce(func(site csp.Policy) csp.Policy {
			return site.Set(csp.FrameSrc, csp.Self)
		}),
		View:   views.FramingDemo,
		Expect: map[string]string{"frame-refused": "blocked", "frame-allowed": "loaded"},
	},
	{
		Slug: "framing-refused", Title: "A page that refuses to be framed", Unlisted: true,
		Policy: enforce(asIs),
		View:   func(v views.DemoView) templ.Component { return views.FramedPage(v, false) },
		Expect: map[string]string{"framed-page": "ran"},
	},
	{
		Slug: "framing-allowed", Title: "A page that allows its own site to frame it", Unlisted: true,
		Policy: enforce(func(site csp.Policy) csp.Policy {
			return site.Replace(csp.FrameAncestors, csp.Self)
		}),
		View:   func(v views.DemoView) templ.Component { return views.FramedPage(v, true) },
		Expect: map[string]string{"framed-page": "ran"},
	},
	{
		// Both headers at once: the site policy enforced, a stricter one
		// (Trusted Types) only reported. frame-ancestors is dropped from
		// the report-only copy because browsers ignore it there.
		Slug: "report-only-beside", Title: "Report-only beside enforce",
		Summary: "Two headers at once: one blocks, the stricter one only reports.",
		Policy: func(site, _ csp.Policy) csp.Group {
			return csp.Group{Enforce: site, ReportOnly: site.Without(csp.FrameAncestors).Set(csp.RequireTrustedTypesFor, "'script'")}
		},
		View:       views.ReportOnlyBesideDemo,
		Expect:     map[string]string{"innerhtml-reported": "reported", "inline-script": "blocked"},
		Exceptions: []Exception{{Tag: "script", Case: "inline-script", Reason: "an un-nonced script the enforced policy blocks"}},
	},
	{
		// htmx with the kit's configuration, under the site policy as is:
		// its fragments (htmx.go) are served by this page's group.
		Slug: "htmx", Title: "htmx under the strict policy",
		Summary: "Partial swaps, a fragment with injected scripts, boosted links and hx-on, with htmx configured for nonces.",
		Policy:  enforce(asIs), View: views.HTMXDemo, Routes: (*Showcase).htmxRoutes,
		Expect: map[string]string{
			views.CaseHTMXSwap: "swapped", views.CaseHTMXInjected: "blocked",
			views.CaseHTMXBoosted: "allowed", views.CaseHTMXBoostRefused: "refused",
			views.CaseHTMXOn: "blocked", views.CaseHTMXDelegated: "ran", views.CaseHTMXPost: "posted",
		},
	},
	{
		// The adoption loop: a report-only policy, the visitor's own
		// reports, and package suggest's answer to them (learn.go).
		Slug: "learn", Title: "From reports to a better policy",
		Summary: "A report-only page with a third-party image, script and an inline handler; its reports become a suggested policy.",
		Policy:  learnPolicy, View: views.LearnDemo, Routes: (*Showcase).learnRoutes, Live: true,
		Expect: map[string]string{
			views.CaseLearnImage: "reported", views.CaseLearnScript: "reported",
			views.CaseLearnHandler: "reported", views.CaseLearnSuggestion: "suggested",
		},
		Exceptions: []Exception{
			{Tag: "script", Case: views.CaseLearnScript, Reason: "a third-party tag pasted without the nonce, reported under report-only"},
			{Tag: "button", Case: views.CaseLearnHandler, Reason: "an onclick= handler the suggester refuses to allow"},
		},
	},
}

// listed are the catalogue entries the catalogue page links, as views
// show them.
func listed() []views.Entry {
	var out []views.Entry
	for _, d := range Catalogue {
		if !d.Unlisted {
			out = append(out, views.Entry{Slug: d.Slug, Title: d.Title, Summary: d.Summary})
		}
	}
	return out
}
