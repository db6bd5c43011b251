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
// response starts, so streamed responses belong outside it. Only a
// signed-in visitor's session is ever saved: anonymous requests store
// nothing (see Middleware).
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

// newSessions returns the Sessions of m, whose store is backend.
func newSessions(m *scs.SessionManager, backend string) *Sessions {
	return &Sessions{Manager: m, Backend: backend}
}

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

func managerFrom(ctx context.Context) *scs.SessionManager {
	m, _ := ctx.Value(managerKey{}).(*scs.SessionManager)
	return m
}

// ErrNoSession is returned when a route that changes the session is not
// wrapped in Sessions.Middleware.
var ErrNoSession = errors.New("session: no session in this request's context (wrap the route in Sessions.Middleware)")

const (
	userKey  = "userID"
	nameKey  = "name"
	flashKey = "flash"
)

// User is who a session says is signed in; the zero User is nobody.
type User struct {
	ID   string
	Name string // what the page header shows: the email they signed in with
}

// SignIn records userID as signed in, with name for the page header. It
// renews the session token first, so a token planted before sign-in
// (session fixation) is worthless after.
func SignIn(ctx context.Context, userID, name string) error {
	m := managerFrom(ctx)
	if m == nil {
		return ErrNoSession
	}
	if err := m.RenewToken(ctx); err != nil {
		return err
	}
	m.Put(ctx, userKey, userID)
	m.Put(ctx, nameKey, name)
	return nil
}

// SignOut ends the session: its row is deleted from the store now and the
// response tells the browser to drop the cookie, so the token is worthless
// even to whoever copied it. Nothing the session held outlives it: the
// visitor is anonymous again, and an anonymous session is never stored
// (Middleware), so tell the next page why in its URL.
func SignOut(ctx context.Context) error {
	m := managerFrom(ctx)
	if m == nil {
		return ErrNoSession
	}
	if m.Token(ctx) == "" {
		return nil // never stored (an anonymous visitor): nothing to end
	}
	return m.Destroy(ctx)
}

// UserID is the signed-in user's id, or "" when nobody is signed in.
func UserID(ctx context.Context) string {
	m := managerFrom(ctx)
	if m == nil {
		return ""
	}
	return m.GetString(ctx, userKey)
}

// Current returns who is signed in to the session Middleware loaded for
// this request, and false when there is none in ctx (the route is outside
// the session group: use Sessions.Peek).
func Current(ctx context.Context) (User, bool) {
	m := managerFrom(ctx)
	if m == nil {
		return User{}, false
	}
	return User{ID: m.GetString(ctx, userKey), Name: m.GetString(ctx, nameKey)}, true
}

// Flash keeps msg for the signed-in visitor's next page that shows
// flashes (PopFlash). It is plain text: the layout escapes it like any
// other text. For an anonymous visitor it does nothing: their session is
// never stored (Middleware), so the message could not reach another
// request; a redirect says it in the URL instead (the server's sign-in
// notices).
func Flash(ctx context.Context, msg string) {
	if m := managerFrom(ctx); m != nil && m.GetString(ctx, userKey) != "" {
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

// Peek returns who is signed in to r's session (the zero User when nobody
// is), for a route outside Middleware: a stream, whose writer must flush,
// or a page's header. It loads the session the cookie names and only reads
// it: nothing is saved, no cookie is set and the idle timeout is not
// pushed back. Without a cookie it costs no store read, and only signed-in
// visitors have one (Middleware). An error means the store failed, not
// that the visitor is signed out.
func (s *Sessions) Peek(r *http.Request) (User, error) {
	c, err := r.Cookie(s.Manager.Cookie.Name)
	if err != nil || c.Value == "" {
		return User{}, nil // no cookie: nobody is signed in
	}
	ctx, err := s.Manager.Load(r.Context(), c.Value)
	if err != nil {
		return User{}, err
	}
	return User{ID: s.Manager.GetString(ctx, userKey), Name: s.Manager.GetString(ctx, nameKey)}, nil
}

// RequireSignIn lets signed-in visitors through to next and sends everyone
// else to signInURL (303), which says why in its query (such as
// "/signin?notice=signin"): nothing is stored for them. Use it inside a
// route group wrapped in Sessions.Middleware.
func RequireSignIn(signInURL string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if UserID(r.Context()) == "" {
				http.Redirect(w, r, signInURL, http.StatusSeeOther)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
