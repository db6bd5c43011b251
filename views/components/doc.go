// Package components holds the building blocks every page uses to put
// scripts and styles on a page. Each one stamps the request's CSP nonce, so
// reach for these instead of writing <script>, <style> or <link> by hand:
//
//	@components.Script("js/app.js")          // <script src> from static/
//	@components.ScriptDefer("js/app.js")     // the same, deferred
//	@components.InlineScript(js)             // <script>…</script>
//	@components.Stylesheet("css/app.css")    // <link rel="stylesheet">
//	@components.InlineStyle(css)             // <style>…</style>
//	@components.HTMX()                       // htmx, CSP-safe (layout.Page{HTMX: true})
//
// A static inline block can be allowed by its hash instead of the nonce:
// declare it once with [Hashes.Script] or [Hashes.Style] (or [HashedScript],
// [HashedStyle]) and add the registry's hashes to its route group's policy.
// It renders without a nonce attribute.
//
// Files are named as they sit in static/; the components resolve their
// content-hashed URLs and Subresource Integrity values.
package components
