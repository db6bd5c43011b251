package server

import (
	"encoding/json"
	"net/http"

	"github.com/noncekit/noncekit/views/pages"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, pages.Home(s.links))
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
