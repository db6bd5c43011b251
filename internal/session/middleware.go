package session

import (
	"context"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
)

// Middleware loads the visitor's session for next and saves it when the
// response starts, setting the cookie, if someone is signed in in it. The
// package functions find the manager through the request's context.
//
// The threat: a store row per anonymous request. scs's own LoadAndSave
// saves every session a handler wrote to, and the flash of a redirect to
// sign in was such a write: `wrk -c16 -d10s /account` stored 40,963 rows
// and grew SQLite's write-ahead log to 207 MB. So an anonymous session is
// never saved: what a handler puts in it lives for the request alone, and
// no cookie is set. Rows are then bounded by successful sign-ins (each
// behind a throttled password check), an anonymous request costs the
// store at most a read of the token its cookie names, and a redirect tells
// an anonymous visitor why in its URL instead. A session ended by SignOut
// expires the cookie (its row went when SignOut ran).
//
// When the store fails, loading before next or saving as the response
// starts, OnError answers and whatever next writes afterwards is dropped:
// a failed save never reads as a redirect to a page that relies on the
// lost session, nor as an error page followed by the page it replaced.
func (s *Sessions) Middleware(next http.Handler) http.Handler {
	m := s.Manager
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The answer depends on the cookie: no shared cache may mix them.
		w.Header().Add("Vary", "Cookie")
		var token string
		if c, err := r.Cookie(m.Cookie.Name); err == nil {
			token = c.Value
		}
		ctx, err := m.Load(r.Context(), token)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(ctx, managerKey{}, m))
		sw := &saveWriter{ResponseWriter: w, s: s, r: r}
		next.ServeHTTP(sw, r)
		sw.beforeResponse() // a handler that wrote nothing
	})
}

// save stores a signed-in session that changed and sets its cookie, or
// expires the cookie of a destroyed one. An anonymous session is left
// unsaved, whatever was put in it.
func (s *Sessions) save(w http.ResponseWriter, r *http.Request) error {
	ctx, m := r.Context(), s.Manager
	switch m.Status(ctx) {
	case scs.Modified:
		if m.GetString(ctx, userKey) == "" {
			return nil
		}
		token, expiry, err := m.Commit(ctx)
		if err != nil {
			return err
		}
		m.WriteSessionCookie(ctx, w, token, expiry)
	case scs.Destroyed:
		m.WriteSessionCookie(ctx, w, "", time.Time{})
	}
	return nil
}

// storeError answers a request whose session could not be loaded or saved
// with OnError, or a plain 503: the store is down, which is no fault of
// the request.
func (s *Sessions) storeError(w http.ResponseWriter, r *http.Request, err error) {
	// A redirect set its Location before its status: not ours to keep.
	w.Header().Del("Location")
	if s.OnError != nil {
		s.OnError(w, r, err)
		return
	}
	http.Error(w, "the session store is unavailable, try again shortly", http.StatusServiceUnavailable)
}

// saveWriter saves the session as the response starts, and drops what
// the handler writes once a failed save was answered by storeError.
type saveWriter struct {
	http.ResponseWriter
	s      *Sessions
	r      *http.Request
	saved  bool // save has run
	failed bool // and failed: storeError answered
}

// beforeResponse saves the session once, before the response's first
// byte, and reports whether the handler's response may go out.
func (w *saveWriter) beforeResponse() bool {
	if !w.saved {
		w.saved = true
		if err := w.s.save(w.ResponseWriter, w.r); err != nil {
			w.failed = true
			w.s.storeError(w.ResponseWriter, w.r, err)
		}
	}
	return !w.failed
}

func (w *saveWriter) WriteHeader(code int) {
	if w.beforeResponse() {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *saveWriter) Write(p []byte) (int, error) {
	if !w.beforeResponse() {
		return len(p), nil // the handler's page, replaced by the error page
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *saveWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
