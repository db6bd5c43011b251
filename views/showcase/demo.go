package showcase

// DemoScript is the one line every script panel runs. It marks its own
// panel, so the page can tell afterwards which copies the browser ran. The
// blocked copy, the nonced copy and static/js/demo-external.js are the same
// line: only the nonce differs.
const DemoScript = `document.currentScript.closest("[data-demo]").dataset.ran = "true";`

// demoStyle returns the CSS a style panel carries: it sets a custom
// property on the panel's probe, which demos.js reads back.
func demoStyle(name string) string {
	return `[data-demo="` + name + `"] .probe { --applied: yes; border: 2px solid var(--ok); color: var(--ok); background: var(--ok-soft); }`
}

// Demo is what the live demo pages show.
type Demo struct {
	ReportOnly  bool   // served with Content-Security-Policy-Report-Only
	HeaderName  string // the CSP header this response was served with
	HeaderValue string
	// ReportsURL lists the reports this page view caused, as JSON.
	ReportsURL string
	// Catalogue links the catalogue's pages at the foot of the page.
	Catalogue []Entry
}

// Demo case names. The browser tests look panels up by these.
const (
	CaseInlineScript         = "inline-script"
	CaseNoncedInlineScript   = "nonced-inline-script"
	CaseNoncedExternalScript = "nonced-external-script"
	CaseInlineStyle          = "inline-style"
	CaseNoncedInlineStyle    = "nonced-inline-style"
)

// expect gives a case's expected outcome. What the enforced policy blocks,
// the report-only one lets run (or apply) and reports: "reported", which
// demos.js sees as the page's securitypolicyviolation event with
// disposition "report".
func (d Demo) expect(blockedUnderEnforce bool, success string) string {
	switch {
	case !blockedUnderEnforce:
		return success
	case d.ReportOnly:
		return "reported"
	}
	return "blocked"
}

func (d Demo) title() string {
	if d.ReportOnly {
		return "Report-only demo"
	}
	return "Live demo"
}

func (d Demo) path() string {
	if d.ReportOnly {
		return "/demo/report-only"
	}
	return "/demo"
}
