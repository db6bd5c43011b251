package showcase_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/server"
	views "github.com/noncekit/noncekit/views/showcase"
)

// postLab posts policy to /lab the way a browser does, with cookies.
func postLab(h http.Handler, policy string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/lab", strings.NewReader(url.Values{"policy": {policy}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// previewWith is the preview's policy for a request carrying cookies, the
// nonce shown as the slot.
func previewWith(t *testing.T, h http.Handler, cookies ...*http.Cookie) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/lab/preview", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	v := rec.Header().Get(csp.HeaderCSP)
	if m := headerNonceRE.FindStringSubmatch(v); m != nil {
		v = strings.ReplaceAll(v, m[1], csp.NoncePlaceholder)
	}
	return v
}

func labCookieOf(t *testing.T, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	cs := rec.Result().Cookies()
	require.Len(t, cs, 1, "the lab sets exactly its own cookie")
	return cs[0]
}

// TestLabWritesNoSessions reproduces the attack of issue 13 (3,000
// anonymous POST /lab made 3,000 session rows) and shows it fails: the
// policy travels in the visitor's cookie, and the sessions table stays
// empty whatever is posted.
func TestLabWritesNoSessions(t *testing.T) {
	db, _, err := database.Open(context.Background(), config.Config{DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	s, err := server.New(slog.New(slog.DiscardHandler), config.Config{Showcase: true}, server.Options{DB: db})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(context.Background()) })

	const posts = 3000
	for i := range posts {
		rec := postLab(s, fmt.Sprintf("default-src 'self' https://h%d.example", i))
		require.Equal(t, http.StatusSeeOther, rec.Code, "post %d", i)
		if i == 0 {
			c := labCookieOf(t, rec)
			assert.Equal(t, "default-src 'self' https://h0.example", previewWith(t, s, c), "the cookie holds the policy")
			assert.Equal(t, http.StatusOK, get(t, s, "/lab").Code)
		}
	}
	var rows int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM sessions").Scan(&rows))
	assert.Zero(t, rows, "%d anonymous POST /lab", posts)
}

func TestLabCookieAttributes(t *testing.T) {
	for _, tt := range []struct {
		name   string
		cfg    config.Config
		cookie string
	}{
		{"http", config.Config{Showcase: true}, "lab"},
		{"https", config.Config{Showcase: true, BehindTLSProxy: true}, "__Secure-lab"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := server.New(slog.New(slog.DiscardHandler), tt.cfg, server.Options{})
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close(context.Background()) })
			c := labCookieOf(t, postLab(s, "default-src 'none'"))
			assert.Equal(t, tt.cookie, c.Name)
			assert.Equal(t, tt.cookie != "lab", c.Secure, "Secure exactly when the session cookie is")
			assert.Equal(t, "/lab", c.Path, "sent to the lab's routes only")
			assert.True(t, c.HttpOnly)
			assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
			assert.Positive(t, c.MaxAge)
			assert.LessOrEqual(t, len(c.String()), 4096, "fits what browsers keep")
		})
	}
}

// TestLabCookieOnlyTrustsItsOwn: a cookie the server did not sign, with
// this key, is ignored: the preview serves the default policy, never a
// 5xx, never the planted policy.
func TestLabCookieOnlyTrustsItsOwn(t *testing.T) {
	s := newTestServer(t)
	good := labCookieOf(t, postLab(s, "default-src 'self'"))
	require.Equal(t, "default-src 'self'", previewWith(t, s, good))

	// Another server (another key, as after a restart) wrote this one.
	foreign := labCookieOf(t, postLab(newTestServer(t), "default-src *"))
	data, sig, _ := strings.Cut(good.Value, ".")
	flip := func(s string) string {
		b := []byte(s)
		b[len(b)/2] ^= 1
		return string(b)
	}
	for name, value := range map[string]string{
		"another server's":   foreign.Value,
		"payload changed":    flip(data) + "." + sig,
		"signature changed":  data + "." + flip(sig),
		"signature swapped":  strings.SplitN(foreign.Value, ".", 2)[0] + "." + sig,
		"no signature":       data,
		"empty":              "",
		"not base64":         "!!!.???",
		"too long":           strings.Repeat("a", 5000) + "." + sig,
		"a policy, unsigned": "default-src *",
		"dot only":           ".",
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, views.DefaultLabPolicy, previewWith(t, s, &http.Cookie{Name: "lab", Value: value}))
		})
	}
}

// TestLabPolicyTooLongToKeep: a long policy that compresses fits the
// cookie; one that does not is refused with a message, and the previous
// policy stays.
func TestLabPolicyTooLongToKeep(t *testing.T) {
	s := newTestServer(t)
	var repetitive strings.Builder
	repetitive.WriteString("default-src 'self'; script-src")
	for i := 0; repetitive.Len() < 7000; i++ {
		fmt.Fprintf(&repetitive, " https://cdn%d.example.com", i)
	}
	rec := postLab(s, repetitive.String())
	require.Equal(t, http.StatusSeeOther, rec.Code, "a 7 KB policy of similar hosts compresses to fit")
	kept := labCookieOf(t, rec)

	var random strings.Builder
	random.WriteString("default-src 'self'; img-src")
	for random.Len() < 7000 {
		random.WriteString(" " + strings.ToLower(rand.Text()) + ".example")
	}
	rec = postLab(s, random.String(), kept)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, rec.Body.String(), "too long for the lab to keep")
	assert.Empty(t, rec.Result().Cookies(), "nothing saved")
	p, err := csp.ParseLenient(repetitive.String())
	require.NoError(t, err)
	assert.Equal(t, p.String(), previewWith(t, s, kept))
}
