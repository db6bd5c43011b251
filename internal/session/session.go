// Package session keeps per-visitor state on the server: who is signed in
// and one-shot flash messages. It builds the scs session manager with the
// kit's cookie defaults and opens the store the configuration asks for:
// a table in the kit's database by default (the caller passes the handle:
// SQLite, or PostgreSQL with DATABASE_URL, which several instances share),
// Redis when REDIS_URL is set.
//
// Handlers use the package functions (SignIn, SignOut, UserID, Flash,
// PopFlash) with the request's context; they work on routes wrapped in
// Sessions.Middleware. Wrap only the routes that need a session: the
// middleware loads the session before the handler and saves it when the
// response starts, so streamed responses belong outside it.
package session

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
)

const (
	// Lifetime is the longest a session lasts, however active: a visitor
	// signs in again at least this often.
	Lifetime = 14 * 24 * time.Hour
	// IdleTimeout ends a session nobody has used for this long. Each
	// request through the middleware pushes it back.
	IdleTimeout = 3 * 24 * time.Hour

	// CookieName names the session cookie over plain http.
	CookieName = "session"
	// HostPrefix is prepended to the cookie's name over https. Browsers
	// accept a __Host- cookie only when it is Secure, has Path=/ and no
	// Domain, so it cannot be set or overwritten by a subdomain or by a
	// page served over http.
	HostPrefix = "__Host-"
)

// NewManager returns a session manager storing in store, with the kit's
// cookie defaults: HttpOnly (scripts cannot read it), SameSite=Lax (not
// sent on cross-site POSTs), persisted across browser restarts, Path=/ and
// no Domain. With https, the cookie is also Secure and named
// __Host-session.
func NewManager(store scs.Store, https bool) *scs.SessionManager {
	// scs.New is the only way to get a manager (its context key is
	// unexported), and it starts a memstore with a cleanup goroutine that
	// replacing Store leaves running: one idle goroutine per manager, one
	// per server here. It cannot be stopped safely: memstore.StopCleanup
	// reads a channel the goroutine itself creates, so called now it is a
	// no-op and a data race (scs v2.9.0).
	m := scs.New()
	m.Store = store
	m.Lifetime = Lifetime
	m.IdleTimeout = IdleTimeout
	m.Cookie.Name = CookieName
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Persist = true
	m.Cookie.Path = "/"
	m.Cookie.Domain = ""
	m.Cookie.Secure = https
	if https {
		m.Cookie.Name = HostPrefix + CookieName
	}
	return m
}

// Sessions is the kit's session manager with the store it opened.
type Sessions struct {
	Manager *scs.SessionManager
	// Backend says where sessions live, for the start-up log line:
	// "sqlite" or "postgres" (the kit's database), "redis <url without
	// password>" or "memory".
	Backend string
	// OnError answers a request whose session could not be loaded or
	// saved: the store is down or too slow (see openRedis's timeouts).
	// Whatever the route's handler writes after it is discarded, so the
	// visitor sees this answer alone. Default: a plain 503. Set it before
	// serving.
	OnError func(w http.ResponseWriter, r *http.Request, err error)

	ping      func(ctx context.Context) error
	close     func() error
	closeOnce sync.Once
	closeErr  error
}

// newSessions wires m's store failures to s.OnError.
func newSessions(m *scs.SessionManager, backend string) *Sessions {
	s := &Sessions{Manager: m, Backend: backend}
	m.ErrorFunc = s.storeError
	return s
}

// storeError is the manager's ErrorFunc. scs calls it when loading the
// session fails, before the handler runs, and when saving it fails, as
// the handler starts its response; in that second case scs then lets the
// handler's own status and body through. The guard installed by
// Middleware drops those, so a failed save never reads as a 303 to a page
// that relies on the lost session, nor as an error page followed by the
// page it replaced.
func (s *Sessions) storeError(w http.ResponseWriter, r *http.Request, err error) {
	// A redirect set its Location before its status: not ours to keep.
	w.Header().Del("Location")
	if s.OnError != nil {
		s.OnError(w, r, err)
	} else {
		http.Error(w, "the session store is unavailable, try again shortly", http.StatusServiceUnavailable)
	}
	if g, ok := w.(*guardWriter); ok {
		g.closed = true
	}
}

// guardWriter discards what is written after the response was answered
// by storeError.
type guardWriter struct {
	http.ResponseWriter
	closed bool
}

func (g *guardWriter) WriteHeader(code int) {
	if !g.closed {
		g.ResponseWriter.WriteHeader(code)
	}
}

func (g *guardWriter) Write(p []byte) (int, error) {
	if g.closed {
		return len(p), nil // the handler's page, replaced by the error page
	}
	return g.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (g *guardWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// Ping checks that the session store answers, for the readiness check:
// a PING through Redis's pool; nil for the database and memory stores,
// whose state is the database handle's (checked on its own) or the
// process's.
func (s *Sessions) Ping(ctx context.Context) error {
	if s.ping == nil {
		return nil
	}
	return s.ping(ctx)
}

// Close stops the store's background work and closes the connections it
// opened (Redis's pool; never the database handle Open was given). Calls
// after the first do nothing.
func (s *Sessions) Close() error {
	s.closeOnce.Do(func() {
		if s.close != nil {
			s.closeErr = s.close()
		}
	})
	return s.closeErr
}

type managerKey struct{}

// Middleware loads the visitor's session for next and saves it (and sets
// the cookie) when the response starts. The package functions find the
// manager through the request's context.
func (s *Sessions) Middleware(next http.Handler) http.Handler {
	h := s.Manager.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), managerKey{}, s.Manager)))
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&guardWriter{ResponseWriter: w}, r)
	})
}

func managerFrom(ctx context.Context) *scs.SessionManager {
	m, _ := ctx.Value(managerKey{}).(*scs.SessionManager)
	return m
}

// ErrNoSession is returned when a route that changes the session is not
// wrapped in Sessions.Middleware.
var ErrNoSession = errors.New("session: no session in this request's context (wrap the route in Sessions.Middleware)")

const (
	userKey  = "userID"
	flashKey = "flash"
)

// SignIn records userID as signed in. It renews the session token first,
// so a token planted before sign-in (session fixation) is worthless after.
func SignIn(ctx context.Context, userID string) error {
	m := managerFrom(ctx)
	if m == nil {
		return ErrNoSession
	}
	if err := m.RenewToken(ctx); err != nil {
		return err
	}
	m.Put(ctx, userKey, userID)
	return nil
}

// SignOut forgets the signed-in user and renews the token. The session
// itself stays, so a flash set afterwards reaches the next page.
func SignOut(ctx context.Context) error {
	m := managerFrom(ctx)
	if m == nil {
		return ErrNoSession
	}
	if err := m.RenewToken(ctx); err != nil {
		return err
	}
	m.Remove(ctx, userKey)
	return nil
}

// UserID is the signed-in user's id, or "" when nobody is signed in.
func UserID(ctx context.Context) string {
	m := managerFrom(ctx)
	if m == nil {
		return ""
	}
	return m.GetString(ctx, userKey)
}

// Flash keeps msg for the next page that shows flashes (PopFlash). It is
// plain text: the layout escapes it like any other text.
func Flash(ctx context.Context, msg string) {
	if m := managerFrom(ctx); m != nil {
		m.Put(ctx, flashKey, msg)
	}
}

// PopFlash returns the pending flash message and removes it, so it shows
// once; "" when there is none.
func PopFlash(ctx context.Context) string {
	m := managerFrom(ctx)
	if m == nil {
		return ""
	}
	return m.PopString(ctx, flashKey)
}

// PeekUserID returns the signed-in user's id in r's session ("" when
// nobody is signed in), for a route that cannot be wrapped in Middleware:
// a stream, whose writer must flush. It loads the session the cookie names
// and only reads it: nothing is saved, no cookie is set and the idle
// timeout is not pushed back. An error means the store failed, not that
// the visitor is signed out.
func (s *Sessions) PeekUserID(r *http.Request) (string, error) {
	c, err := r.Cookie(s.Manager.Cookie.Name)
	if err != nil || c.Value == "" {
		return "", nil // no cookie: nobody is signed in
	}
	ctx, err := s.Manager.Load(r.Context(), c.Value)
	if err != nil {
		return "", err
	}
	return s.Manager.GetString(ctx, userKey), nil
}

// RequireSignIn lets signed-in visitors through to next and sends everyone
// else to signInPath (303) with a flash saying why. Use it inside a route
// group wrapped in Sessions.Middleware.
func RequireSignIn(signInPath string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if UserID(r.Context()) == "" {
				Flash(r.Context(), "Please sign in to see that page.")
				http.Redirect(w, r, signInPath, http.StatusSeeOther)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
