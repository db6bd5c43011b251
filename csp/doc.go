// Package csp serves a strict Content-Security-Policy with a fresh nonce
// per response, and renders the scripts and styles that carry it:
//
//	m := csp.NewManager()
//	site := m.Middleware(csp.Group{Name: "site", Enforce: csp.New().
//		Set(csp.DefaultSrc, csp.Self).
//		Set(csp.ScriptSrc, csp.Nonce, csp.StrictDynamic).
//		Set(csp.ObjectSrc, csp.None).
//		Set(csp.BaseURI, csp.None)})
//	if err := m.Err(); err != nil {
//		log.Fatal(err) // names the group, the directive and the value
//	}
//	mux.Handle("GET /", site(templ.Handler(page())))
//
// and in page.templ, @csp.InlineScript(js) or @csp.Script(src, integrity):
// each renders the response's nonce.
//
// The threat it stops is cross-site scripting: injected markup must not
// run. Only scripts and styles that carry the nonce of their response run,
// and the nonce is drawn from crypto/rand for every response.
//
// Policies are values ([New], [Policy.Add], [Parse]) checked against the
// CSP3 grammar when compiled: a stray ';' or an unquoted 'self' stops the
// start, not a page. [Manager.Middleware] is a plain
// func(http.Handler) http.Handler per route group, for any router; it puts
// the nonce where templ looks for it ([NonceFrom] reads it). [Hashes]
// allows fixed inline blocks by hash. Packages csptest (tests), lint,
// report (the report endpoint) and suggest complete it.
package csp
