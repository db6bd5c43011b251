package showcase

import (
	"strconv"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/lint"
	"github.com/noncekit/noncekit/static"
	"github.com/noncekit/noncekit/views/layout"
)

// Entry is a catalogue page as the catalogue lists it.
type Entry struct {
	Slug    string
	Title   string
	Summary string
}

// Path is the page's URL.
func (e Entry) Path() string { return "/demo/" + e.Slug }

// DemoView is what a catalogue page shows: its entry, what each of its
// panels should do, and the headers the middleware set for this very
// response with what the linter says about them.
type DemoView struct {
	Entry
	// Expect gives each panel's expected outcome by its data-demo name.
	Expect     map[string]string
	Enforce    string // Content-Security-Policy, "" when not sent
	ReportOnly string // Content-Security-Policy-Report-Only, "" when not sent
	Findings   []lint.Finding
	// ReportsURL lists this page view's own reports, and Host (the Host
	// header) and Secure (TLS) are where the browser reached the page; all
	// are set for a Live entry only.
	ReportsURL string
	Host       string
	Secure     bool
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
var HashDemo csp.Hashes

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
s.src = ` + strconv.Quote(static.Path("showcase/js/demo-external.js")) + `;
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

// withShowcaseCSS is p with the showcase's stylesheet first in its head.
func withShowcaseCSS(p layout.Page) layout.Page {
	p.Head = frameHead(p.Head)
	return p
}
