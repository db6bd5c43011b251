package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/noncekit/noncekit/internal/csp"
	"github.com/noncekit/noncekit/views/pages"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, pages.Home())
}

// demo and demoReportOnly show the header the middleware set for this very
// response, so what the page displays is what the browser enforces.
func (s *Server) demo(w http.ResponseWriter, r *http.Request) {
	d := pages.Demo{HeaderName: csp.HeaderCSP, HeaderValue: w.Header().Get(csp.HeaderCSP), StreamURL: streamURL("demo")}
	s.render(w, r, http.StatusOK, pages.DemoPage(d))
}

func (s *Server) demoReportOnly(w http.ResponseWriter, r *http.Request) {
	d := pages.Demo{ReportOnly: true, HeaderName: csp.HeaderCSPReportOnly, HeaderValue: w.Header().Get(csp.HeaderCSPReportOnly),
		StreamURL: streamURL("demo-report-only")}
	s.render(w, r, http.StatusOK, pages.DemoPage(d))
}

// streamURL is the live report stream of a demo group, replaying what was
// stored since this response was made: the page's own reports may arrive
// before its stream connects.
func streamURL(group string) string {
	return "/api/reports/stream?group=" + group + "&since=" + strconv.FormatInt(time.Now().UnixMilli(), 10)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// policyJSON is one route group in GET /api/policies.
type policyJSON struct {
	Group      string `json:"group"`
	Enforce    string `json:"enforce,omitempty"`
	ReportOnly string `json:"reportOnly,omitempty"`
	Exempt     bool   `json:"exempt,omitempty"`
}

// apiPolicies lists every route group's policy as declared, with the nonce
// shown as {nonce}; reporting directives are added per request.
func (s *Server) apiPolicies(w http.ResponseWriter, _ *http.Request) {
	var out []policyJSON
	for _, g := range s.csp.Groups() {
		p := policyJSON{Group: g.Name, Exempt: g.Exempt}
		if !g.Enforce.IsZero() {
			p.Enforce = g.Enforce.String()
		}
		if !g.ReportOnly.IsZero() {
			p.ReportOnly = g.ReportOnly.String()
		}
		out = append(out, p)
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
