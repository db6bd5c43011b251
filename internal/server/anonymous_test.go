package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/testsupport/dbtest"
	"github.com/noncekit/noncekit/internal/testsupport/servertest"
)

// TestAnonymousRequestsStoreNoSession reproduces issue 21's session flood
// (every anonymous GET of /account or /reports stored a session row for
// the redirect's flash: wrk -c16 -d10s /account made 40,963 rows and a
// 207 MB write-ahead log) and shows it gone, on SQLite and PostgreSQL:
// 2,000 anonymous GETs spread over every GET route the router has
// (showcase included), half of them with a cookie naming no session, then
// refused sign-ins and sign-outs, store no row and set no session cookie.
func TestAnonymousRequestsStoreNoSession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		db := e.New(t)
		s, err := New(servertest.Logger(t), config.Config{Addr: "localhost:0", Showcase: true},
			Options{DB: db, Accounts: testAccounts(t, db)})
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close(context.Background()) })
		rows := func() int {
			t.Helper()
			var n int
			require.NoError(t, db.QueryRow("SELECT count(*) FROM sessions").Scan(&n))
			return n
		}
		before := rows()

		paths := getRoutes(t, s.handler)
		require.Contains(t, paths, "/account")
		require.Contains(t, paths, "/reports")
		require.Contains(t, paths, "/signin")
		statuses := map[int]int{}
		send := func(req *http.Request, i int) {
			t.Helper()
			req.RemoteAddr = fmt.Sprintf("198.51.100.%d:40000", i%200) // throttled per address: spread them
			if i%2 == 1 {
				req.AddCookie(&http.Cookie{Name: "session", Value: fmt.Sprintf("made-up-token-%040d", i)})
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			statuses[rec.Code]++
			for _, c := range rec.Result().Cookies() {
				require.NotEqual(t, "session", c.Name, "%s %s: a session cookie for an anonymous visitor", req.Method, req.URL)
			}
		}
		for i := range 2000 {
			send(httptest.NewRequest(http.MethodGet, paths[i%len(paths)], nil), i)
		}
		for i := range 200 {
			form := url.Values{"email": {testEmail}, "password": {"wrong"}}
			if i%2 == 0 {
				form = url.Values{"email": {fmt.Sprintf("nobody%d@example.com", i)}, "password": {"wrong"}}
			}
			req := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			send(req, i)
			send(httptest.NewRequest(http.MethodPost, "/signout", nil), i)
		}
		t.Logf("%d GET routes; answers %v", len(paths), statuses)
		assert.Equal(t, before, rows(), "no session row for an anonymous request")
		assert.Positive(t, statuses[http.StatusSeeOther], "the redirects to sign in were among them")
	})
}

// getRoutes lists a path for every GET route of h, a chi router: its
// pattern with each {parameter} and * filled in, and streams left out
// (they answer until the client leaves).
func getRoutes(t *testing.T, h http.Handler) []string {
	t.Helper()
	var paths []string
	err := chi.Walk(h.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method != http.MethodGet || strings.HasSuffix(route, "/stream") {
			return nil
		}
		route = strings.ReplaceAll(route, "*", "x")
		for strings.Contains(route, "{") {
			i, j := strings.Index(route, "{"), strings.Index(route, "}")
			route = route[:i] + "x" + route[j+1:]
		}
		paths = append(paths, route)
		return nil
	})
	require.NoError(t, err)
	return paths
}
