package csp

import (
	"errors"
	"net/http"

	"github.com/a-h/templ"
)

// ServePolicy sets p as the response's enforced Content-Security-Policy,
// filling every nonce slot with a fresh nonce from m.Rand, and returns r
// with that nonce in its context for templ and [NonceFrom]. It is for a
// policy known only at request time, such as one a visitor types into a
// policy playground; route groups, whose policies are known at start-up,
// use [Manager.Middleware].
//
// The header is exactly p: no report-uri is added. p is validated again
// here, leniently like [ParseLenient], so whatever the caller did, an
// invalid policy is never written into a header; on error no header is set.
func (m *Manager) ServePolicy(w http.ResponseWriter, r *http.Request, p Policy) (*http.Request, error) {
	if p.IsZero() {
		return r, errors.New("csp: empty policy")
	}
	if err := p.validate(false); err != nil {
		return r, err
	}
	var raw [NonceBytes]byte
	if err := readNonce(m.Rand, &raw); err != nil {
		return r, err
	}
	header, nonce := newTemplate(p.String()).build(&raw)
	h := w.Header()
	h.Set(HeaderCSP, header)
	h.Del(HeaderCSPReportOnly)
	h["Cache-Control"] = noStore
	return r.WithContext(templ.WithNonce(r.Context(), nonce)), nil
}
