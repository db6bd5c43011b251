package session

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/testsupport/redistest"
)

func TestCookieDefaults(t *testing.T) {
	tests := []struct {
		name   string
		https  bool
		cookie string
	}{
		{"http", false, "session"},
		{"https", true, "__Host-session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Sessions{Manager: NewManager(memstore.NewWithCleanupInterval(0), tt.https)}
			h := s.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				require.NoError(t, SignIn(r.Context(), "u1", "u1@example.com"))
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			cookies := rec.Result().Cookies()
			require.Len(t, cookies, 1)
			c := cookies[0]
			assert.Equal(t, tt.cookie, c.Name)
			assert.Equal(t, tt.https, c.Secure, "Secure")
			assert.True(t, c.HttpOnly, "HttpOnly")
			assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
			assert.Equal(t, "/", c.Path)
			assert.Empty(t, c.Domain, "a __Host- cookie must have no Domain")
			// Persisted: the cookie outlives the browser session, until the
			// idle timeout (which comes before the absolute lifetime).
			assert.InDelta(t, IdleTimeout.Seconds(), float64(c.MaxAge), 5)
			assert.Contains(t, rec.Header().Values("Vary"), "Cookie")
		})
	}
}

// flow serves a tiny app through the middleware for a client with a
// cookie jar: /in signs "u1" in, /out signs out, /flash sets a flash,
// /show pops it, /private requires sign-in.
func flow(t *testing.T) (*httptest.Server, *http.Client) {
	t.Helper()
	s := &Sessions{Manager: NewManager(memstore.NewWithCleanupInterval(0), false)}
	mux := http.NewServeMux()
	mux.HandleFunc("/in", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, SignIn(r.Context(), "u1", "u1@example.com"))
	})
	mux.HandleFunc("/out", func(w http.ResponseWriter, r *http.Request) { require.NoError(t, SignOut(r.Context())) })
	mux.HandleFunc("/flash", func(w http.ResponseWriter, r *http.Request) { Flash(r.Context(), "saved") })
	mux.HandleFunc("/show", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(PopFlash(r.Context()))) })
	mux.Handle("/private", RequireSignIn("/show")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("hello " + UserID(r.Context())))
	})))
	ts := httptest.NewServer(s.Middleware(mux))
	t.Cleanup(ts.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return ts, &http.Client{Jar: jar}
}

func body(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b := make([]byte, 512)
	n, _ := resp.Body.Read(b)
	return string(b[:n])
}

func token(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base, nil)
	for _, ck := range c.Jar.Cookies(req.URL) {
		if ck.Name == CookieName {
			return ck.Value
		}
	}
	return ""
}

func TestSignInAndOutRenewTheToken(t *testing.T) {
	ts, c := flow(t)
	// A token planted before sign-in (session fixation).
	u, _ := url.Parse(ts.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: CookieName, Value: "planted-token"}})

	body(t, c, ts.URL+"/in")
	signedIn := token(t, c, ts.URL)
	require.NotEmpty(t, signedIn)
	assert.NotEqual(t, "planted-token", signedIn, "sign-in must renew the token")
	assert.Equal(t, "hello u1", body(t, c, ts.URL+"/private"))

	body(t, c, ts.URL+"/out")
	assert.Empty(t, token(t, c, ts.URL), "sign-out expires the cookie")
	assert.Equal(t, "", body(t, c, ts.URL+"/private"), "signed out, /private redirects to /show, which has no flash")

	// The signed-in token, copied before sign-out, is worthless after.
	stolen, _ := cookiejar.New(nil)
	stolen.SetCookies(u, []*http.Cookie{{Name: CookieName, Value: signedIn}})
	resp, err := (&http.Client{Jar: stolen, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(ts.URL + "/private")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

func TestFlashShowsOnce(t *testing.T) {
	ts, c := flow(t)
	body(t, c, ts.URL+"/in")
	assert.Empty(t, body(t, c, ts.URL+"/show"))
	body(t, c, ts.URL+"/flash")
	assert.Equal(t, "saved", body(t, c, ts.URL+"/show"))
	assert.Empty(t, body(t, c, ts.URL+"/show"), "a flash shows once")
}

// countingStore counts the rows a memory store is asked to write.
type countingStore struct {
	*memstore.MemStore
	commits atomic.Int64
}

func (c *countingStore) Commit(token string, b []byte, expiry time.Time) error {
	c.commits.Add(1)
	return c.MemStore.Commit(token, b, expiry)
}

// TestAnonymousSessionsAreNeverStored reproduces issue 21's finding (every
// anonymous visit of a page that redirects to sign in stored a session
// row, for its flash) and shows that nothing anonymous is stored, whatever
// the handler puts in the session, and no cookie is set; a signed-in
// session is stored as before.
func TestAnonymousSessionsAreNeverStored(t *testing.T) {
	store := &countingStore{MemStore: memstore.NewWithCleanupInterval(0)}
	s := newSessions(NewManager(store, false), "memory")
	mux := http.NewServeMux()
	mux.HandleFunc("/flash", func(w http.ResponseWriter, r *http.Request) { Flash(r.Context(), "lost") })
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) { s.Manager.Put(r.Context(), "cart", "3 items") })
	mux.HandleFunc("/pop", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(PopFlash(r.Context()))) })
	mux.Handle("/private", RequireSignIn("/signin?notice=signin")(http.NotFoundHandler()))
	mux.HandleFunc("/in", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, SignIn(r.Context(), "u1", "u1@example.com"))
	})
	h := s.Middleware(mux)

	for i := range 1000 {
		for _, path := range []string{"/flash", "/put", "/pop", "/private"} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if i%2 == 1 { // a cookie naming no session, as a bot might send
				req.AddCookie(&http.Cookie{Name: CookieName, Value: "made-up-token"})
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Empty(t, rec.Result().Cookies(), "%s: no cookie for an anonymous session", path)
			if path == "/private" {
				require.Equal(t, "/signin?notice=signin", rec.Header().Get("Location"))
			}
		}
	}
	assert.Zero(t, store.commits.Load(), "4,000 anonymous requests, no row")

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/in", nil))
	assert.EqualValues(t, 1, store.commits.Load(), "a sign-in is stored")
	require.Len(t, rec.Result().Cookies(), 1)
}

func TestOutsideTheMiddleware(t *testing.T) {
	ctx := context.Background()
	assert.ErrorIs(t, SignIn(ctx, "u1", "u1@example.com"), ErrNoSession)
	assert.ErrorIs(t, SignOut(ctx), ErrNoSession)
	assert.Empty(t, UserID(ctx))
	Flash(ctx, "lost")
	assert.Empty(t, PopFlash(ctx))
}

// storeContract runs the scs Store methods the kit relies on.
func storeContract(t *testing.T, s *Sessions) {
	t.Helper()
	store := s.Manager.Store
	require.NoError(t, store.Commit("live", []byte("data"), time.Now().Add(time.Hour)))
	require.NoError(t, store.Commit("expired", []byte("old"), time.Now().Add(-time.Second)))

	b, ok, err := store.Find("live")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, []byte("data"), b)

	_, ok, err = store.Find("expired")
	require.NoError(t, err)
	assert.False(t, ok, "an expired session is not found")

	require.NoError(t, store.Commit("live", []byte("new"), time.Now().Add(time.Hour)))
	b, _, err = store.Find("live")
	require.NoError(t, err)
	assert.Equal(t, []byte("new"), b, "Commit replaces")

	require.NoError(t, store.Delete("live"))
	_, ok, err = store.Find("live")
	require.NoError(t, err)
	assert.False(t, ok, "deleted")
}

// TestSQLiteStoreWithModernc checks that scs's sqlite3store, written for
// mattn/go-sqlite3, works on the pure-Go driver and the table database
// creates: its $1 placeholders and julianday() expiry.
func TestSQLiteStoreWithModernc(t *testing.T) {
	db, _, err := database.Open(context.Background(), config.Config{DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, db.Close()) })
	s, err := Open(config.Config{}, db)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	t.Cleanup(func() { assert.NoError(t, s.Close()) }) // a second Close must not block
	assert.Equal(t, "sqlite", s.Backend)
	storeContract(t, s)

	all, err := s.Manager.Store.(interface {
		All() (map[string][]byte, error)
	}).All()
	require.NoError(t, err)
	assert.Empty(t, all, "All skips expired sessions")
}

// TestCloseLeavesTheDatabaseToItsOwner: the handle is shared with the
// report store, which may still be writing its last queued reports when
// the sessions close; and sessions written before the close are there
// for the next start.
func TestCloseLeavesTheDatabaseToItsOwner(t *testing.T) {
	db, _, err := database.Open(context.Background(), config.Config{DataDir: t.TempDir()})
	require.NoError(t, err)
	defer db.Close()
	s, err := Open(config.Config{}, db)
	require.NoError(t, err)
	require.NoError(t, s.Manager.Store.Commit("tok", []byte("data"), time.Now().Add(time.Hour)))
	require.NoError(t, s.Close())

	require.NoError(t, db.Ping(), "the database is still open")
	again, err := Open(config.Config{}, db)
	require.NoError(t, err)
	defer again.Close()
	b, ok, err := again.Manager.Store.Find("tok")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, []byte("data"), b)
}

func TestRedisStore(t *testing.T) {
	url := redistest.Start(t)
	db, _, err := database.Open(context.Background(), config.Config{DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	s, err := Open(config.Config{RedisURL: url}, db)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	assert.Equal(t, "redis "+url, s.Backend, "REDIS_URL wins over the database")
	storeContract(t, s)
	assert.NoError(t, s.Ping(context.Background()))
}

func TestRedisUnreachableFailsAtStart(t *testing.T) {
	// Port 1 on loopback: nothing listens there.
	_, err := Open(config.Config{RedisURL: "redis://:s3cret@127.0.0.1:1/0"}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "REDIS_URL=redis://:xxxxx@127.0.0.1:1/0")
	assert.NotContains(t, err.Error(), "s3cret")
}

func TestNoDatabaseKeepsSessionsInMemory(t *testing.T) {
	s, err := Open(config.Config{DataDir: t.TempDir()}, nil)
	require.NoError(t, err)
	assert.Equal(t, "memory", s.Backend, "no database handle: memory, whatever DATA_DIR says")
	assert.NoError(t, s.Close())
}

func TestHTTPSConfigSecuresTheCookie(t *testing.T) {
	s, err := Open(config.Config{BehindTLSProxy: true}, nil)
	require.NoError(t, err)
	assert.True(t, s.Manager.Cookie.Secure)
	assert.Equal(t, "__Host-session", s.Manager.Cookie.Name)
}
