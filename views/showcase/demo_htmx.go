package showcase

import (
	"context"
	"html"
	"strconv"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/static"
)

// The htmx demo's case names, as in data-demo.
const (
	CaseHTMXSwap         = "partial-swap"
	CaseHTMXInjected     = "injected-script"
	CaseHTMXBoosted      = "boosted-link"
	CaseHTMXBoostRefused = "boost-refused"
	CaseHTMXOn           = "hx-on"
	CaseHTMXDelegated    = "delegated"
	CaseHTMXPost         = "form-post"
)

// MaxNameLength bounds the name the htmx demo's form accepts, in runes.
const MaxNameLength = 64

var maxNameString = strconv.Itoa(MaxNameLength)

// injectedScript marks the panel it runs in with data-ran-<which>, so a
// test can tell which of the three ran (the external one, DemoScript, sets
// data-ran). Unlike DemoScript it does nothing outside a panel: opened as a
// page, the fragment's nonced copy runs (there, the nonce is that
// response's own).
func injectedScript(which string) string {
	// A block: the inline scripts share the global scope, and a second
	// top-level const p would be a SyntaxError, not a blocked script.
	return `{ const p = document.currentScript.closest("[data-demo]"); if (p) p.dataset.ran` + which + ` = "true"; }`
}

// injectedScripts are the three scripts of the injected comment: inline
// without a nonce (data-ran-inline), external without a nonce (DemoScript:
// data-ran), and inline with the nonce of the fragment's own response
// (data-ran-nonced), never the page's: each response has its own.
func injectedScripts(ctx context.Context) string {
	return "<script>" + injectedScript("Inline") + "</script>" +
		`<script src="` + static.Path("showcase/js/demo-external.js") + `"></script>` +
		`<script nonce="` + html.EscapeString(csp.NonceFrom(ctx)) + `">` + injectedScript("Nonced") + "</script>"
}

// injectedScriptsShown is the panel's listing of them.
var injectedScriptsShown = "<script>" + injectedScript("Inline") + "</script>\n" +
	`<script src="` + static.Path("showcase/js/demo-external.js") + `"></script>` + "\n" +
	`<script nonce="(the fragment response's nonce)">` + injectedScript("Nonced") + "</script>"

// delegationShown is the listener htmx-demo.js attaches, as the page shows it.
const delegationShown = `<button data-action="mark">

document.addEventListener("click", (e) => {
  const el = e.target.closest('[data-action="mark"]');
  if (el) noncekitMark(el);
});`
