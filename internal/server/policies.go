package server

import "github.com/noncekit/noncekit/csp"

// Policies are the two policies every route group's policy derives from.
// New takes them as configuration (Options.Policies); routes.go declares,
// next to each group, how the group's policy differs from them.
type Policies struct {
	// Site is the policy of every HTML page.
	Site csp.Policy
	// API is for responses that are never rendered as a page: JSON, static
	// files, health checks, the report receiver.
	API csp.Policy
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
	}
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
	return p
}
