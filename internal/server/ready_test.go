package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/testsupport/redistest"
)

// storeDownBound bounds each request made while a store is down. It is a
// test deadline, not a measurement: the kit answers within about a second
// (the Redis pool's timeouts); before, a hung Redis held a page 5 s.
const storeDownBound = 3 * time.Second

// bounded sends req with storeDownBound as its deadline: a request that
// hangs fails the test with a deadline error instead of passing late.
func (b *browser) bounded(req *http.Request) page {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(req.Context(), storeDownBound)
	defer cancel()
	return b.do(req.WithContext(ctx))
}

func (b *browser) boundedGet(u string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(b.t, err)
	return b.bounded(req)
}

// TestReadyzChecksTheDatabase: /readyz answers 200 while the database
// answers and 503 naming it when it does not; /healthz, the liveness
// check, stays 200 either way.
func TestReadyzChecksTheDatabase(t *testing.T) {
	t.Parallel()
	db := openTestDB(t, t.TempDir())
	in := startInstance(t, config.Config{}, false, Options{DB: db})
	br := newBrowser(t, nil)

	p := br.boundedGet(in.ts.URL + "/readyz")
	assert.Equal(t, http.StatusOK, p.StatusCode)
	assert.Equal(t, "ok\n", p.body)

	require.NoError(t, db.Close()) // the cleanup's second Close is harmless
	p = br.boundedGet(in.ts.URL + "/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, p.StatusCode)
	assert.Equal(t, "unavailable: database\n", p.body)
	assert.Equal(t, "text/plain; charset=utf-8", p.Header.Get("Content-Type"))
	assert.Equal(t, http.StatusOK, br.boundedGet(in.ts.URL+"/healthz").StatusCode, "liveness does not depend on the stores")
}

// TestRedisDown: with sessions in Redis, a Redis that is stopped (its port
// refuses connections) or hung (it accepts them and never answers) makes
// /readyz answer 503 naming redis, and the pages that need a session
// answer the kit's 503 page promptly, not a 500 after a long hang. The
// rest of the site keeps working, and so do sessions once Redis is back.
func TestRedisDown(t *testing.T) {
	for _, how := range []string{"stopped", "hung"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			rs := redistest.StartServer(t)
			db := openTestDB(t, t.TempDir())
			in := startInstance(t, config.Config{RedisURL: rs.URL}, false, Options{DB: db})
			br := newBrowser(t, nil)
			assert.Equal(t, "ok\n", br.boundedGet(in.ts.URL+"/readyz").body)
			// Signed in: the visitor now has a session.
			assertRedirect(t, br.signIn(in.ts.URL, testEmail, testPassword), "/account")
			require.NotNil(t, br.cookie(in.ts.URL, "session"))

			if how == "stopped" {
				rs.Stop()
			} else {
				rs.Pause(t)
			}

			p := br.boundedGet(in.ts.URL + "/readyz")
			assert.Equal(t, http.StatusServiceUnavailable, p.StatusCode)
			assert.Equal(t, "unavailable: redis\n", p.body)

			// Loading the session fails: the 503 page instead of the form.
			p = br.boundedGet(in.ts.URL + "/signin")
			assertStoreDownPage(t, p)

			// Saving it fails (a new visitor signing in, so nothing to
			// load): the 503 page, not the 303 the handler wrote after it.
			stranger := newBrowser(t, nil)
			req, err := http.NewRequest(http.MethodPost, in.ts.URL+"/signin",
				strings.NewReader(url.Values{"email": {operatorEmail}, "password": {operatorPassword}}.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			p = stranger.bounded(req)
			assertStoreDownPage(t, p)
			assert.Empty(t, p.Header.Get("Location"))
			assert.Nil(t, stranger.cookie(in.ts.URL, "session"), "no cookie for a session that was not saved")

			// Pages without a session do not depend on Redis.
			assert.Equal(t, http.StatusOK, br.boundedGet(in.ts.URL+"/").StatusCode)
			assert.Equal(t, http.StatusOK, br.boundedGet(in.ts.URL+"/healthz").StatusCode)

			if how == "hung" {
				rs.Resume(t)
				assert.Equal(t, "ok\n", br.boundedGet(in.ts.URL+"/readyz").body)
				p = br.boundedGet(in.ts.URL + "/account")
				assert.Equal(t, http.StatusOK, p.StatusCode, "sessions work again once Redis answers: still signed in")
			}
		})
	}
}

// assertStoreDownPage checks p is the kit's 503 page and nothing else.
func assertStoreDownPage(t *testing.T, p page) {
	t.Helper()
	assert.Equal(t, http.StatusServiceUnavailable, p.StatusCode)
	assert.Contains(t, p.body, "Temporarily unavailable")
	assert.Equal(t, 1, strings.Count(p.body, "</html>"), "one page, not the error page followed by the one it replaced")
	assert.NotContains(t, p.body, `name="password"`, "the sign-in form was not served")
	assert.NotEmpty(t, p.Header.Get("Content-Security-Policy"), "the error page is served under the site policy")
}
