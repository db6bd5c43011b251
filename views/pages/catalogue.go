package pages

import (
	"strconv"

	"github.com/noncekit/noncekit/internal/csp/lint"
	"github.com/noncekit/noncekit/static"
	"github.com/noncekit/noncekit/views/components"
)

// DemoInfo is one entry of the demo catalogue: a page under /demo/<Slug>.
type DemoInfo struct {
	Slug    string
	Title   string
	Summary string
}

// Path is the page's URL.
func (d DemoInfo) Path() string { return "/demo/" + d.Slug }

// Catalogue slugs. Routes, links and tests use these names.
const (
	SlugInlineHandler    = "inline-handler"
	SlugUnsafeHashes     = "unsafe-hashes"
	SlugStyleAttr        = "style-attr"
	SlugStyleAttrAllow   = "style-attr-allowed"
	SlugEval             = "eval"
	SlugHashes           = "hashes"
	SlugStrictDynamic    = "strict-dynamic"
	SlugBaseURI          = "base-uri"
	SlugJSONPAllowlist   = "jsonp-allowlist"
	SlugJSONPStrict      = "jsonp-strict"
	SlugTrustedTypes     = "trusted-types"
	SlugFraming          = "framing"
	SlugReportOnlyBeside = "report-only-beside"
)

// Catalogue lists the demo pages in the order they are best read.
var Catalogue = []DemoInfo{
	{SlugInlineHandler, "Inline event handlers", "An onclick= attribute is script too, and a nonce can never allow it."},
	{SlugUnsafeHashes, "'unsafe-hashes' for one handler", "A hash that allows exactly one handler attribute, and not its neighbour."},
	{SlugStyleAttr, "style= attributes, blocked", "Inline style attributes fall under style-src, and nonces do not reach them."},
	{SlugStyleAttrAllow, "style= attributes, allowed", "style-src-attr opens attributes alone, leaving <style> blocks nonce-only."},
	{SlugEval, "eval and new Function", "Strings turned into code need 'unsafe-eval'; without it they throw."},
	{SlugHashes, "Hashes instead of nonces", "Static inline blocks allowed by a sha256 computed once at start-up."},
	{SlugStrictDynamic, "'strict-dynamic'", "A nonced loader may add scripts; markup may not."},
	{SlugBaseURI, "base-uri 'none'", "An injected <base> cannot move this page's relative script URLs."},
	{SlugJSONPAllowlist, "JSONP under a host allowlist", "script-src 'self' runs an injected JSONP call: the classic bypass."},
	{SlugJSONPStrict, "JSONP under nonces", "The same injection under 'nonce-…' 'strict-dynamic' is blocked."},
	{SlugTrustedTypes, "Trusted Types", "innerHTML takes only values made by a named policy."},
	{SlugFraming, "frame-ancestors", "A page that refuses to be framed beside one that allows its own site."},
	{SlugReportOnlyBeside, "Report-only beside enforce", "Two headers at once: one blocks, the stricter one only reports."},
}

// demoInfo returns the catalogue entry for slug.
func demoInfo(slug string) DemoInfo {
	for _, d := range Catalogue {
		if d.Slug == slug {
			return d
		}
	}
	return DemoInfo{Slug: slug, Title: slug}
}

// DemoView is what a catalogue page shows about its own response: the
// headers the middleware set for it and what the linter says about them.
type DemoView struct {
	Enforce    string // Content-Security-Policy, "" when not sent
	ReportOnly string // Content-Security-Policy-Report-Only, "" when not sent
	Findings   []lint.Finding
}

// Handler attributes used by the handler demos. The browser hashes the
// attribute's value exactly as written, so the policy's hash is computed
// from these same constants.
const (
	// HandlerAllowed is the onclick value whose hash /demo/unsafe-hashes allows.
	HandlerAllowed = `noncekitMark(this)`
	// HandlerOther differs by one argument: a different hash, so blocked.
	HandlerOther = `noncekitMark(this, "other")`
)

// HashDemo is the registry of the hash demo's inline blocks. The blocks are
// declared here, at package level, so their hashes exist before routes.go
// builds the group's policy from them.
var HashDemo components.Hashes

var (
	hashedScript = HashDemo.Script(DemoScript)
	hashedStyle  = HashDemo.Style(demoStyle(CaseHashedStyle))
)

// alteredScript is DemoScript with one trailing space: its hash differs.
const alteredScript = DemoScript + " "

// Catalogue case names, as in data-demo.
const (
	CaseHashedStyle = "hashed-style"
)

// loaderScript is the nonced loader of the 'strict-dynamic' demo: it adds a
// script element to its own panel, which the policy trusts because a
// trusted script created it. Built once: the static paths are fixed when
// the package starts.
var loaderScript = `const s = document.createElement("script");
s.src = ` + strconv.Quote(static.Path("js/demo-external.js")) + `;
document.currentScript.parentElement.append(s);`

// severityClass picks the badge colour of a lint finding.
func severityClass(s lint.Severity) string {
	switch s {
	case lint.High:
		return "badge-high"
	case lint.Medium:
		return "badge-medium"
	case lint.Low:
		return "badge-low"
	}
	return "badge-info"
}
