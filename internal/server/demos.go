package server

import (
	"net/http"
	"regexp"

	"github.com/a-h/templ"

	"github.com/noncekit/noncekit/internal/csp"
	"github.com/noncekit/noncekit/internal/csp/lint"
	"github.com/noncekit/noncekit/views/pages"
)

// demoPage serves one catalogue page. It shows the headers the group's
// middleware set for this very response, and lints the policy as declared
// (with the nonce slot, not this response's nonce), so findings read the
// same on every reload.
func (s *Server) demoPage(g csp.Group, page func(pages.DemoView) templ.Component) http.HandlerFunc {
	var findings []lint.Finding
	if !g.Enforce.IsZero() {
		findings = lint.Policy(g.Enforce, lint.AsHeader)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		v := pages.DemoView{
			Enforce:    w.Header().Get(csp.HeaderCSP),
			ReportOnly: w.Header().Get(csp.HeaderCSPReportOnly),
			Findings:   findings,
		}
		s.render(w, r, http.StatusOK, page(v))
	}
}

func (s *Server) catalogue(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, pages.CataloguePage())
}

// jsonpCallback is what a JSONP callback name may be: a dotted JavaScript
// identifier path, nothing that could add code (no parentheses, quotes,
// semicolons or spaces) and short. Anything else is refused, not cleaned.
var jsonpCallback = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$`)

// jsonp is the JSONP endpoint of the allowlist demo: GET
// /demo/jsonp?callback=name answers name({"demo":"jsonp"}). Under a policy
// that allowlists this origin, an injected <script src> to it runs, which is
// the bypass the demo shows; a nonce policy blocks the same tag.
func (s *Server) jsonp(w http.ResponseWriter, r *http.Request) {
	cbs := r.URL.Query()["callback"]
	if len(cbs) != 1 || !jsonpCallback.MatchString(cbs[0]) {
		http.Error(w, "callback must match "+jsonpCallback.String(), http.StatusBadRequest)
		return
	}
	// X-Content-Type-Options: nosniff comes from the router's headers
	// middleware, on this response as on every other.
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	// The leading comment keeps the response from starting with bytes the
	// caller chose, the old defence against content-sniffing plugins.
	_, _ = w.Write([]byte("/**/" + cbs[0] + `({"demo":"jsonp"});` + "\n"))
}
