package server

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/csptest"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/testsupport/redistest"
)

// TestInstancesShareSessionsThroughRedis runs two instances of the kit on
// one REDIS_URL, as behind a load balancer: a visitor who signs in through
// A is signed in on B, signing out on B signs out on A, and each instance
// still draws its own nonces. Needs redis-server (skipped without it,
// unless CI is set).
func TestInstancesShareSessionsThroughRedis(t *testing.T) {
	t.Parallel()
	cfg := config.Config{RedisURL: redistest.Start(t), DataDir: t.TempDir()}
	a := startInstance(t, cfg, false, Options{})
	b := startInstance(t, cfg, false, Options{})
	require.Equal(t, "redis "+cfg.RedisURL, a.srv.SessionBackend())

	// Both listen on 127.0.0.1; the jar keys cookies by host, so the
	// browser sends A's session cookie to B too, as it would to two
	// instances behind one name. (Plain http: the cookie is "session";
	// over https it would be __Host-session.)
	br := newBrowser(t, nil)
	assertRedirect(t, br.get(b.ts.URL+"/account"), "/signin?notice=signin")
	assertRedirect(t, br.signIn(a.ts.URL, testEmail, testPassword), "/account")

	onA, onB := br.get(a.ts.URL+"/account"), br.get(b.ts.URL+"/account")
	for name, p := range map[string]page{"A": onA, "B": onB} {
		require.Equal(t, http.StatusOK, p.StatusCode, "signed in on instance %s", name)
		assert.Contains(t, p.body, "<dd>"+testEmail+"</dd>", "instance %s", name)
		csptest.AssertNonced(t, p.Response)
	}
	nonceA, nonceB := csptest.HeaderNonces(onA.Header), csptest.HeaderNonces(onB.Header)
	require.NotEmpty(t, nonceA)
	require.NotEmpty(t, nonceB)
	assert.NotEqual(t, nonceA[0], nonceB[0], "each instance draws its own nonce")

	// A flash set on A (by sign-in) was shown once, on whichever instance
	// served the next page: A here. B shows none.
	assert.Equal(t, "Signed in as "+testEmail+".", flash(onA))
	assert.Empty(t, flash(onB))

	// Signing out on B ends the session on A.
	assertRedirect(t, br.post(b.ts.URL, "/signout", nil), "/signin?notice=signed-out")
	assertRedirect(t, br.get(a.ts.URL+"/account"), "/signin?notice=signin")
}
