package server

import (
	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/static"
	"github.com/noncekit/noncekit/views/layout"
)

// Policies are the two policies every route group's policy derives from.
// New takes them as configuration (Options.Policies); routes.go declares,
// next to each group, how the group's policy differs from them.
type Policies struct {
	// Site is the policy of every HTML page.
	Site csp.Policy
	// API is for responses that are never rendered as a page: JSON, static
	// files, health checks, the report receiver.
	API csp.Policy
	// Cacheable is for pages that are the same for every visitor, which a
	// cacheable group (csp.Group.CacheFor) lets browsers and CDNs keep.
	Cacheable csp.Policy
}

// DefaultPolicies are the kit's own policies.
//
// Site is strict: scripts and styles run only with this response's nonce
// ('strict-dynamic' lets a nonced script load others), and plugins, <base>
// and framing are off. Google's CSP Evaluator finds nothing at MEDIUM or
// above in it.
//
// API allows nothing: if such a response is opened in a tab anyway,
// nothing in it may load or run, and no site may frame it.
//
// Cacheable is Site without a nonce, which a cached page must not carry:
// scripts run by hash (the layout's script files by their integrity,
// what they load through 'strict-dynamic'), styles come from this site.
// Add the hash of each fixed inline block a cacheable page renders
// (csp.Hashes) with Add.
func DefaultPolicies() Policies {
	return Policies{
		Site: csp.New().
			Set(csp.DefaultSrc, csp.Self).
			Set(csp.ScriptSrc, csp.Nonce, csp.StrictDynamic).
			Set(csp.StyleSrc, csp.Self, csp.Nonce).
			Set(csp.ObjectSrc, csp.None).
			Set(csp.BaseURI, csp.None).
			Set(csp.FrameAncestors, csp.None).
			Set(csp.FormAction, csp.Self),
		API: csp.New().
			Set(csp.DefaultSrc, csp.None).
			Set(csp.FrameAncestors, csp.None),
		Cacheable: csp.New().
			Set(csp.DefaultSrc, csp.Self).
			Set(csp.ScriptSrc, append(layoutScriptHashes(), csp.StrictDynamic)...).
			Set(csp.StyleSrc, csp.Self).
			Set(csp.ObjectSrc, csp.None).
			Set(csp.BaseURI, csp.None).
			Set(csp.FrameAncestors, csp.None).
			Set(csp.FormAction, csp.Self),
	}
}

// layoutScriptHashes are the hash sources of the layout's script files,
// from their Subresource Integrity values.
func layoutScriptHashes() []csp.Source {
	var out []csp.Source
	for _, f := range layout.Scripts() {
		out = append(out, csp.IntegritySource(static.Integrity(f)))
	}
	return out
}

// orDefault fills the policies left zero from DefaultPolicies.
func (p Policies) orDefault() Policies {
	d := DefaultPolicies()
	if p.Site.IsZero() {
		p.Site = d.Site
	}
	if p.API.IsZero() {
		p.API = d.API
	}
	if p.Cacheable.IsZero() {
		p.Cacheable = d.Cacheable
	}
	return p
}
