package server

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/session"
	"github.com/noncekit/noncekit/views/pages"
)

// maxFormBytes bounds a form POST's body: the sign-in form is far smaller.
// A larger body gets the kit's 413 page.
const maxFormBytes = 4 << 10

// signInForm shows the form, or sends a signed-in visitor to the account.
func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if session.UserID(ctx) != "" {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	// A signed-out visitor has no stored session: what the redirect here
	// meant to say is in the URL (notice.go).
	s.Render(w, r, http.StatusOK, pages.SignInPage(pages.SignIn{Flash: noticeOf(r)}))
}

// signIn checks the credentials and answers 303 either way: to the account
// page when they are right, back to the form with a notice when not (no
// session is stored for a refused sign-in). The notice is the same whether
// the email or the password was wrong. A client, account or device past its
// attempts gets a 429 page instead, before any bcrypt work, and so does an
// attempt that found no password-check slot (see signInThrottle). Cross-origin POSTs never get here: routes.go
// refuses them with a 403.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	email := account.NormalizeEmail(r.PostFormValue("email"))
	a := attempt{address: report.ClientKey(r), account: email}
	var err error
	if email != "" {
		if a.device, err = s.devices.verify(ctx, r, email); err != nil {
			s.serverError(w, r, "sign-in", err)
			return
		}
	}
	if wait := s.signIns.try(a); wait > 0 {
		s.tooManyAttempts(w, r, wait)
		return
	}
	release, err := s.signIns.enter(ctx, a)
	if err != nil {
		s.signIns.cancel(a)
		s.tooBusy(w, r)
		return
	}
	u, err := s.accounts.Authenticate(ctx, email, r.PostFormValue("password"))
	release()
	if err != nil && !errors.Is(err, account.ErrInvalidCredentials) {
		s.serverError(w, r, "sign-in", err)
		return
	}
	if err != nil {
		s.log.InfoContext(ctx, "sign-in refused", slog.String("id", middleware.GetReqID(ctx)))
		http.Redirect(w, r, signInURL(noticeInvalid), http.StatusSeeOther)
		return
	}
	s.signIns.succeeded(a)
	// This browser is now a known device of the account (device.go).
	if err := s.devices.issue(ctx, w, u.Email); err != nil {
		s.log.WarnContext(ctx, "device cookie not issued", slog.String("id", middleware.GetReqID(ctx)), slog.Any("error", err))
	}
	// SignIn renews the session token: privilege changes, so must the token.
	if err := session.SignIn(ctx, u.ID, u.Email); err != nil {
		s.serverError(w, r, "sign-in", err)
		return
	}
	session.Flash(ctx, "Signed in as "+u.Email+".")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// signOut is a POST (a link or an image elsewhere cannot sign anyone out);
// it ends the session.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	s.signOutWith(w, r, noticeSignedOut)
}

// signOutWith signs the visitor out and sends them to the sign-in form,
// where notice says why; a session store failure gets the 500 page.
func (s *Server) signOutWith(w http.ResponseWriter, r *http.Request, notice string) {
	if err := session.SignOut(r.Context()); err != nil {
		s.serverError(w, r, "sign-out", err)
		return
	}
	http.Redirect(w, r, signInURL(notice), http.StatusSeeOther)
}

// account is behind session.RequireSignIn in routes.go.
func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, err := s.accounts.Lookup(ctx, session.UserID(ctx))
	if errors.Is(err, account.ErrNotFound) { // the account went away while its session lived on
		s.signOutWith(w, r, noticeAgain)
		return
	}
	if err != nil {
		s.serverError(w, r, "account lookup", err)
		return
	}
	s.Render(w, r, http.StatusOK, pages.AccountPage(pages.Account{
		Flash:    session.PopFlash(ctx),
		Name:     u.Name,
		Email:    u.Email,
		Role:     string(u.Role),
		Operator: u.IsOperator(),
	}))
}

// parseForm reads the POSTed form, at most maxFormBytes of it. On failure
// it has answered with the kit's 413 or 400 page and returns false.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	err := r.ParseForm()
	if err == nil {
		return true
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		s.errorPage(http.StatusRequestEntityTooLarge).ServeHTTP(w, r)
	} else {
		s.errorPage(http.StatusBadRequest).ServeHTTP(w, r)
	}
	return false
}

// serverError logs err and answers with the kit's 500 page.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.ErrorContext(r.Context(), what+" failed",
		slog.String("id", middleware.GetReqID(r.Context())), slog.Any("error", err))
	s.errorPage(http.StatusInternalServerError).ServeHTTP(w, r)
}

// sessionError answers a request whose session could not be loaded or
// saved (session.Sessions.OnError): the store is down or too slow, which
// is no fault of this request, so the kit's 503 page, and a log line.
func (s *Server) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "session store failed",
		slog.String("id", middleware.GetReqID(r.Context())), slog.Any("error", err))
	s.errorPage(http.StatusServiceUnavailable).ServeHTTP(w, r)
}
