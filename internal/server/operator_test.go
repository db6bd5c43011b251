package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/reports/store"
)

// TestReportsAreForOperatorsOnly reproduces the attack of issue 13 (the
// reports, with the URLs visitors were on, answered anyone) and shows it
// fails: the dashboard, the JSON API and the live stream answer a
// signed-in operator only. Everyone else gets a redirect to sign in (the
// page) or a JSON error (401 signed out, 403 signed in as a user), and
// none of those refusals writes a session.
func TestReportsAreForOperatorsOnly(t *testing.T) {
	db := openTestDB(t, t.TempDir())
	in := startInstance(t, config.Config{}, false, Options{DB: db, Reports: store.New(db, store.Options{})})
	base := in.ts.URL

	anonymous := newBrowser(t, nil)
	user := newBrowser(t, nil)
	assertRedirect(t, user.signIn(base, testEmail, testPassword), "/account")
	operator := newBrowser(t, nil)
	assertRedirect(t, operator.signIn(base, operatorEmail, operatorPassword), "/account")
	forged := newBrowser(t, nil)
	u, _ := url.Parse(base)
	forged.c.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: "not-a-session-token-at-all-0123456789"}})

	// The stream would run until the client leaves: these requests leave
	// as soon as the headers are in.
	get := func(b *browser, path string) page {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		require.NoError(t, err)
		if path == "/api/reports/stream" {
			resp, err := b.c.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			return page{Response: resp}
		}
		return b.do(req)
	}
	errorOf := func(p page) string {
		var body struct{ Error string }
		require.NoError(t, json.Unmarshal([]byte(p.body), &body), "a JSON body: %q", p.body)
		return body.Error
	}

	for name, b := range map[string]*browser{"anonymous": anonymous, "forged cookie": forged} {
		t.Run(name, func(t *testing.T) {
			for _, path := range []string{"/api/reports", "/api/reports/stream"} {
				p := get(b, path)
				assert.Equal(t, http.StatusUnauthorized, p.StatusCode, path)
				assert.Equal(t, "application/json", p.Header.Get("Content-Type"), path)
				if path == "/api/reports" {
					assert.Equal(t, operatorAPIAnon, errorOf(p))
				}
				assert.Empty(t, p.Cookies(), "%s: a refusal writes no session", path)
				assert.Equal(t, "no-store", p.Header.Get("Cache-Control"), path)
			}
			p := get(b, "/reports")
			assertRedirect(t, p, "/signin?notice=operator")
			assert.Empty(t, p.Cookies(), "the redirect writes no session")
			assert.Equal(t, operatorSignInFlash, flash(get(b, "/signin?notice=operator")))
		})
	}

	t.Run("user", func(t *testing.T) {
		for _, path := range []string{"/api/reports", "/api/reports/stream"} {
			p := get(user, path)
			assert.Equal(t, http.StatusForbidden, p.StatusCode, path)
			assert.Empty(t, p.Cookies(), path)
		}
		assert.Equal(t, operatorAPIForbid, errorOf(get(user, "/api/reports")))
		assertRedirect(t, get(user, "/reports"), "/signin")
		// Signed in, /signin sends on to the account page, which says why.
		assertRedirect(t, get(user, "/signin"), "/account")
		assert.Equal(t, operatorOnlyFlash, flash(get(user, "/account")))
	})

	t.Run("operator", func(t *testing.T) {
		p := get(operator, "/reports")
		require.Equal(t, http.StatusOK, p.StatusCode)
		assert.Contains(t, p.body, "<h1>")
		p = get(operator, "/api/reports")
		require.Equal(t, http.StatusOK, p.StatusCode)
		assert.Contains(t, p.Header.Values("Vary"), "Cookie")
		p = get(operator, "/api/reports/stream")
		require.Equal(t, http.StatusOK, p.StatusCode)
		assert.Equal(t, "text/event-stream", p.Header.Get("Content-Type"))
		assert.Empty(t, p.Cookies(), "the stream only reads the session")
		assert.Contains(t, get(operator, "/account").body, `<dd data-role="operator">operator</dd>`)
	})

	t.Run("demoted operator", func(t *testing.T) {
		require.NoError(t, account.NewStore(db).SetRole(context.Background(), operatorEmail, account.RoleUser))
		assert.Equal(t, http.StatusForbidden, get(operator, "/api/reports").StatusCode, "the role is read on every request")
		assert.Equal(t, http.StatusForbidden, get(operator, "/api/reports/stream").StatusCode)
		assertRedirect(t, get(operator, "/reports"), "/signin")
	})
}
