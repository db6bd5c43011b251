package components

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/noncekit/noncekit/csp"
)

// HTMXVersion is the htmx release vendored in static/js/vendor, unmodified
// (its licence and provenance sit beside it). It is 2.0.x, not 4.x: htmx
// 4.0 dropped allowScriptTags and allowEval, and always re-creates the
// scripts of swapped content with document.createElement, which
// 'strict-dynamic' lets run whatever their nonce (measured in Chromium 156;
// README.md, "Using htmx").
const HTMXVersion = "2.0.11"

// HTMXFile is the vendored htmx, named as it sits under static/.
const HTMXFile = "js/vendor/htmx-" + HTMXVersion + ".min.js"

// htmxGuardFile is the kit's boost guard (static/js/htmx-guard.js).
const htmxGuardFile = "js/htmx-guard.js"

// htmxConfig is htmx's configuration as the kit writes it into
// <meta name="htmx-config">. Each field is a choice the strict policy
// forces, spelled out even where it is htmx's default, so that reading the
// page says what htmx will and will not do.
type htmxConfig struct {
	// AllowEval false: htmx never compiles attribute text into code
	// (hx-on:*, trigger filters such as click[ctrlKey], hx-vals="js:…",
	// hx-vars). The policy has no 'unsafe-eval', so the browser would refuse
	// anyway; htmx refusing first fires htmx:evalDisallowedError instead of
	// a violation per click. Attach behaviour from a nonced static script
	// with event delegation.
	AllowEval bool `json:"allowEval"`
	// AllowScriptTags false: htmx removes every <script> from swapped
	// content before inserting it, so none runs, nonced or not. Left true,
	// htmx re-creates each one with document.createElement, and a script
	// created by a trusted script is allowed by 'strict-dynamic' whatever
	// its nonce: an injected <script> in a fragment would run.
	AllowScriptTags bool `json:"allowScriptTags"`
	// IncludeIndicatorStyles false: htmx would add an un-nonced <style> for
	// .htmx-indicator, which style-src refuses. The rule is in
	// static/css/app.css.
	IncludeIndicatorStyles bool `json:"includeIndicatorStyles"`
	// InlineScriptNonce and InlineStyleNonce empty: htmx stamps no nonce on
	// what it inserts. Stamping the page's nonce would vouch for everything
	// a fragment holds, injected markup included.
	InlineScriptNonce string `json:"inlineScriptNonce"`
	InlineStyleNonce  string `json:"inlineStyleNonce"`
	// AttributesToSettle is htmx's default without "style": settling
	// copies attributes with setAttribute, and a style attribute set that
	// way is inline style the policy refuses.
	AttributesToSettle []string `json:"attributesToSettle"`
	// SelfRequestsOnly: htmx requests only this origin, so markup cannot
	// send a request (and the visitor's cookies' effects) elsewhere.
	SelfRequestsOnly bool `json:"selfRequestsOnly"`
	// HistoryCacheSize 0 and RefreshOnHistoryMiss: htmx keeps no copy of
	// past pages in sessionStorage to restore with innerHTML, and going
	// back to a page htmx pushed reloads it in full, under its own policy
	// and nonce.
	HistoryCacheSize     int  `json:"historyCacheSize"`
	RefreshOnHistoryMiss bool `json:"refreshOnHistoryMiss"`
	// HistoryRestoreAsHxRequest false: a history restore is a page, never
	// a fragment (htmx's advice when HX-Request selects fragments).
	HistoryRestoreAsHxRequest bool `json:"historyRestoreAsHxRequest"`
}

// htmxConfigJSON is the kit's configuration, encoded once.
var htmxConfigJSON = func() string {
	b, err := json.Marshal(htmxConfig{
		AttributesToSettle: []string{"class", "width", "height"},
		SelfRequestsOnly:   true,
		// The rest are their zero values, written out by the encoder.
		RefreshOnHistoryMiss: true,
	})
	if err != nil {
		panic(err) // a fixed struct of plain fields: a build bug
	}
	return string(b)
}()

// HTMXConfig returns the configuration HTMX writes, as JSON.
func HTMXConfig() string { return htmxConfigJSON }

type headerKey struct{}

// WithResponseHeader returns ctx carrying the response's header, from
// which [HTMX] states the page's policy for the boost guard. The server's
// Render sets it; set it yourself when rendering a page another way.
func WithResponseHeader(ctx context.Context, h http.Header) context.Context {
	return context.WithValue(ctx, headerKey{}, h)
}

// PagePolicy is the page's policy as the boost guard compares it: the
// enforced and the report-only header, a line each, with every nonce
// replaced by [csp.NoncePlaceholder]. The nonce never reaches the markup,
// where CSS selectors could read it. "" without a header in ctx, which
// makes the guard refuse every boost.
func PagePolicy(ctx context.Context) string {
	h, _ := ctx.Value(headerKey{}).(http.Header)
	if h == nil {
		return ""
	}
	return withoutNonces(strings.Join(h.Values(csp.HeaderCSP), ", ")) + "\n" +
		withoutNonces(strings.Join(h.Values(csp.HeaderCSPReportOnly), ", "))
}

// withoutNonces replaces the value of every 'nonce-…' source in a header
// with the placeholder, as htmx-guard.js does to a fetched page's header.
func withoutNonces(v string) string {
	const open = "'nonce-"
	var b strings.Builder
	for {
		i := strings.Index(v, open)
		if i < 0 {
			b.WriteString(v)
			return b.String()
		}
		end := strings.IndexByte(v[i+len(open):], '\'')
		if end < 0 { // unterminated: not a source the guard would match either
			b.WriteString(v)
			return b.String()
		}
		b.WriteString(v[:i] + open + csp.NoncePlaceholder + "'")
		v = v[i+len(open)+end+1:]
	}
}
