// Package components holds the building blocks every page uses to put
// scripts and styles on a page. The files under static/ are named as they
// sit there; the components resolve their content-hashed URLs and
// Subresource Integrity values, and the CSP library's elements stamp the
// request's nonce:
//
//	@components.Script("js/app.js")          // <script src> from static/
//	@components.ScriptDefer("js/app.js")     // the same, deferred
//	@components.Stylesheet("css/app.css")    // <link rel="stylesheet">
//	@components.HTMX()                       // htmx, CSP-safe (layout.Page{HTMX: true})
//
// Inline blocks come straight from the library: csp.InlineScript(js) and
// csp.InlineStyle(css) stamp the nonce; csp.Hashes declares blocks allowed
// by their hash instead.
package components
