package showcase

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/lint"
	views "github.com/noncekit/noncekit/views/showcase"
)

// labMaxBody bounds a POST /lab body: the longest policy csp.Parse accepts,
// percent-encoded (at worst three bytes per byte), plus the field name.
// A larger body is refused with 413 before it is read into memory.
const labMaxBody = 3*csp.MaxPolicyLen + 1024

// labPolicy returns the policy the learner last saved (labcookie.go), or
// the default. It parses it again: a policy is saved only after
// validation, but a parser change between two releases must not serve
// what the new one refuses.
func (s *Showcase) labPolicy(r *http.Request) csp.Policy {
	if text, ok := s.labCookie.read(r); ok {
		if p, err := csp.ParseLenient(text); err == nil {
			return p
		}
	}
	return defaultLabPolicy
}

// defaultLabPolicy is parsed once, when the package loads: it is a
// constant, so a mistake in it fails every test instead of a request.
var defaultLabPolicy = func() csp.Policy {
	p, err := csp.ParseLenient(views.DefaultLabPolicy)
	if err != nil {
		panic("server: the lab's default policy is invalid: " + err.Error())
	}
	return p
}()

// labView describes a valid policy for the lab page.
func labView(p csp.Policy) views.Lab {
	return views.Lab{Policy: p.String(), Header: p.String(), Findings: lint.Policy(p, lint.AsHeader), Sandboxed: p.Has(csp.Sandbox)}
}

// lab is GET /lab.
func (s *Showcase) lab(w http.ResponseWriter, r *http.Request) {
	s.app.Render(w, r, http.StatusOK, views.LabPage(labView(s.labPolicy(r))))
}

// labSubmit is POST /lab: validate, save in the signed cookie, redirect
// (303) to GET /lab so a reload does not resubmit. An invalid policy, or
// one too long to keep, is shown back with the error and a 400; nothing is
// saved. No server-side state is written, whoever posts.
func (s *Showcase) labSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, labMaxBody)
	if err := r.ParseForm(); err != nil {
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			s.app.Render(w, r, http.StatusRequestEntityTooLarge, views.LabError("Policy too large",
				"The form was larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes. A policy may be at most "+
					strconv.Itoa(csp.MaxPolicyLen)+" bytes: real ones are a few hundred."))
			return
		}
		s.app.Render(w, r, http.StatusBadRequest, views.LabError("Unreadable form", "The form could not be read: "+err.Error()))
		return
	}
	text := strings.TrimSpace(r.PostForm.Get("policy"))
	p, err := parseLabPolicy(text)
	if err != nil {
		s.app.Render(w, r, http.StatusBadRequest, views.LabPage(views.Lab{Policy: text, Error: err.Error()}))
		return
	}
	if err := s.labCookie.write(w, p.String()); err != nil {
		s.app.Render(w, r, http.StatusBadRequest, views.LabPage(views.Lab{Policy: text, Error: err.Error()}))
		return
	}
	http.Redirect(w, r, "/lab", http.StatusSeeOther)
}

// parseLabPolicy reads a learner's policy. It is lenient about default-src,
// because a partial policy is worth previewing and the linter explains
// what is missing; everything else follows the CSP grammar.
func parseLabPolicy(text string) (csp.Policy, error) {
	if text == "" {
		return csp.Policy{}, errors.New("the policy is empty: type at least one directive, such as default-src 'self'")
	}
	return csp.ParseLenient(text)
}

// labPreview is GET /lab/preview, served with exactly the learner's policy
// and a fresh nonce. It is outside every route group: the learner's policy
// applies to this response alone, so it can never weaken another page's.
func (s *Showcase) labPreview(w http.ResponseWriter, r *http.Request) {
	p := s.labPolicy(r)
	r, err := s.app.CSP().ServePolicy(w, r, p)
	if err != nil {
		// The policy was validated above, so only the nonce source fails here.
		s.log.ErrorContext(r.Context(), "lab preview: no policy header, refusing to serve", "error", err)
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	// The learner's frame-ancestors decides who may frame the preview. When
	// it has none, X-Frame-Options keeps framing to this site (the lab);
	// browsers ignore X-Frame-Options when frame-ancestors is present.
	w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	s.app.Render(w, r, http.StatusOK, views.LabPreview(csp.HeaderCSP+": "+w.Header().Get(csp.HeaderCSP)))
}
