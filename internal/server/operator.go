package server

import (
	"errors"
	"net/http"

	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/session"
)

// Only operators read the violation reports. A report carries the URLs of
// the pages visitors were on and what their browsers blocked: handed to
// anyone who asks, it tells a stranger where other visitors went and what
// scripts tried to run there. So /reports, /api/reports and the live
// stream answer a signed-in operator only (account.RoleOperator; make one
// with `noncekit user add --operator EMAIL`). The role is read from the
// database on every request, so a demotion takes effect at once.

// Messages of the refusals.
const (
	operatorSignInFlash = "Please sign in as an operator to see the reports."
	operatorOnlyFlash   = "Only operators may see the reports; you are signed in as a user."
	operatorAPIAnon     = "sign in as an operator to read the reports"
	operatorAPIForbid   = "only operators may read the reports"
)

// requireOperatorPage lets a signed-in operator through to a page and
// sends everyone else to /signin (303) saying why: a signed-in user in a
// flash (the sign-in form sends them on to their account page, which shows
// it), anyone else in the URL, which stores nothing (notice.go). It runs
// inside Sessions.Middleware.
func (s *Server) requireOperatorPage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		switch u, err := s.operator(r, session.UserID(ctx)); {
		case err != nil:
			s.serverError(w, r, "account lookup", err)
		case u.IsOperator():
			next.ServeHTTP(w, r)
		case u.ID != "":
			session.Flash(ctx, operatorOnlyFlash)
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
		default:
			http.Redirect(w, r, signInURL(noticeOperator), http.StatusSeeOther)
		}
	})
}

// requireOperatorAPI lets a signed-in operator through to a JSON route or
// the stream, and answers everyone else with JSON: 401 when nobody (or an
// account that no longer exists) is signed in, 403 for a signed-in user.
// It reads the session without Sessions.Middleware (Peek), so it
// can guard a stream, and saves nothing.
func (s *Server) requireOperatorAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The answer depends on the cookie: no shared cache may keep it.
		h := w.Header()
		h.Add("Vary", "Cookie")
		h.Set("Cache-Control", "no-store")
		visitor, err := s.sessions.Peek(r)
		if err != nil {
			s.log.ErrorContext(r.Context(), "reading the session", "error", err)
			writeJSON(w, http.StatusServiceUnavailable, apiError{"sessions are unavailable; try again"})
			return
		}
		switch u, err := s.operator(r, visitor.ID); {
		case err != nil:
			s.log.ErrorContext(r.Context(), "account lookup", "error", err)
			writeJSON(w, http.StatusServiceUnavailable, apiError{"accounts are unavailable; try again"})
		case u.IsOperator():
			next.ServeHTTP(w, r)
		case u.ID == "":
			writeJSON(w, http.StatusUnauthorized, apiError{operatorAPIAnon})
		default:
			writeJSON(w, http.StatusForbidden, apiError{operatorAPIForbid})
		}
	})
}

// operator returns the account of the session's user id: the zero User
// when nobody is signed in or the account is gone, an error only when the
// database failed.
func (s *Server) operator(r *http.Request, id string) (account.User, error) {
	if id == "" {
		return account.User{}, nil
	}
	u, err := s.accounts.Lookup(r.Context(), id)
	if errors.Is(err, account.ErrNotFound) {
		return account.User{}, nil
	}
	return u, err
}

// apiError is the body of a JSON error answer.
type apiError struct {
	Error string `json:"error"`
}
