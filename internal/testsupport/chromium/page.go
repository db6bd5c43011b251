package chromium

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
)

// PageViolation is one securitypolicyviolation event, as the page saw it.
type PageViolation struct {
	Directive   string `json:"directive"`   // effectiveDirective
	Blocked     string `json:"blocked"`     // blockedURI: "inline", "eval" or a URL
	Disposition string `json:"disposition"` // "enforce" or "report"
	Source      string `json:"source"`
	Line        int    `json:"line"`
	Sample      string `json:"sample"` // the first 40 characters, when the policy has 'report-sample'
}

// RecordedViolations returns every securitypolicyviolation the tab's
// current document raised, heard by a listener installed before the page's
// own scripts. It answers after one more task turn, so an event queued
// during the load is counted.
func RecordedViolations(t *testing.T, tb *Tab) []PageViolation {
	t.Helper()
	return Eval[[]PageViolation](t, tb,
		`new Promise((resolve) => setTimeout(() => resolve(window.__e2eViolations || []), 0))`)
}

// Links returns the href of every <a> in the tab's page, resolved by the
// browser.
func Links(t *testing.T, tb *Tab) []string {
	t.Helper()
	return Eval[[]string](t, tb, `Array.from(document.querySelectorAll("a[href]"), (a) => a.href)`)
}

// SameOrigin reports whether link is on base's origin (scheme and host),
// and returns it without its fragment, ready to be a crawl's key.
func SameOrigin(base, link string) (string, bool) {
	b, err1 := url.Parse(base)
	u, err2 := url.Parse(link)
	if err1 != nil || err2 != nil || u.Scheme != b.Scheme || u.Host != b.Host {
		return "", false
	}
	u.Fragment = ""
	return u.String(), true
}

// Header returns a response header by case-insensitive name, "" when
// absent: DevTools reports header names as the server wrote them.
func Header(resp *network.Response, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// SignIn signs the tab in through the kit's own sign-in form, as a person
// would, and waits until the form has sent the browser on to /account.
func SignIn(t *testing.T, tb *Tab, base, email, password string) {
	t.Helper()
	tb.Open(t, base+"/signin")
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	Eval[bool](t, tb, `(() => {
		const f = document.querySelector('form[action="/signin"]');
		f.elements.email.value = `+q(email)+`;
		f.elements.password.value = `+q(password)+`;
		f.submit();
		return true;
	})()`)
	WaitUntil(t, tb, `location.pathname === "/account"`, "signing in as %s did not reach /account", email)
}
