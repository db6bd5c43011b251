package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/csptest"
	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/ratelimit"
)

// countingAccounts counts Authenticate calls: each is one bcrypt run.
type countingAccounts struct {
	Accounts
	calls atomic.Int64
}

func (c *countingAccounts) Authenticate(ctx context.Context, email, password string) (account.User, error) {
	c.calls.Add(1)
	return c.Accounts.Authenticate(ctx, email, password)
}

// testClock is a settable clock for the sign-in throttle.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

// throttledServer is the skeleton with the test accounts, counting bcrypt
// runs, its throttle on a test clock.
func throttledServer(t *testing.T) (*Server, *countingAccounts, *testClock) {
	t.Helper()
	accts := &countingAccounts{Accounts: testAccounts(t, nil)}
	s := newTestServer(t, Options{Accounts: accts})
	c := &testClock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	s.signIns = newSignInThrottle(c.now)
	return s, accts, c
}

// signInFrom posts the sign-in form from a client address.
func signInFrom(s http.Handler, addr, email, password string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = addr + ":40000"
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// TestSignInThrottle reproduces the guessing attack of issue 13 (hundreds
// of guesses a minute, the right password accepted after 99 wrong ones)
// and shows it fails: from one address the 6th guess gets 429, without a
// bcrypt run, and so does the right password; another address still signs
// in to another account; and guessing one account from many addresses is
// throttled too.
func TestSignInThrottle(t *testing.T) {
	s, accts, clock := throttledServer(t)
	const attacker = "203.0.113.7"

	firstRefused := 0
	for i := 1; i <= 10; i++ {
		rec := signInFrom(s, attacker, testEmail, fmt.Sprintf("guess %d", i))
		if rec.Code == http.StatusTooManyRequests {
			firstRefused = i
			break
		}
		require.Equal(t, http.StatusSeeOther, rec.Code, "guess %d: refused with the form's flash", i)
	}
	require.Equal(t, ratelimit.DefaultBackoffFree+1, firstRefused, "the guess after the free ones gets 429")
	assert.EqualValues(t, firstRefused-1, accts.calls.Load(), "the refused guess ran no bcrypt")

	// The right password, during the lockout, is refused the same way.
	rec := signInFrom(s, attacker, testEmail, testPassword)
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "60", rec.Header().Get("Retry-After"))
	body := rec.Body.String()
	assert.Contains(t, body, "<h1>Too many attempts</h1>", "the kit's error page")
	assert.Contains(t, body, "Try again in 1 minute (at 12:01:00 UTC)")
	assert.Empty(t, rec.Result().Cookies(), "a refused attempt writes no session")
	csptest.AssertNonced(t, rec.Result())
	// Other accounts from the same address: refused too.
	assert.Equal(t, http.StatusTooManyRequests, signInFrom(s, attacker, operatorEmail, operatorPassword).Code)
	assert.EqualValues(t, firstRefused-1, accts.calls.Load(), "no bcrypt while locked out")

	// Another address signs in to another account.
	rec = signInFrom(s, "198.51.100.20", operatorEmail, operatorPassword)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "/account", rec.Header().Get("Location"))
	// But not to the account under attack: it is locked wherever from.
	assert.Equal(t, http.StatusTooManyRequests, signInFrom(s, "198.51.100.21", testEmail, testPassword).Code)

	// When the lockout ends, the right password works, and clears the
	// account's count.
	clock.t = clock.t.Add(time.Minute)
	rec = signInFrom(s, "198.51.100.21", testEmail, testPassword)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "/account", rec.Header().Get("Location"))
	for i := range 4 {
		assert.Equal(t, http.StatusSeeOther, signInFrom(s, fmt.Sprint("192.0.2.", i+1), testEmail, "wrong").Code,
			"a fresh count after the successful sign-in")
	}
	// The attacker's address got one attempt after its minute, and used it.
	assert.Equal(t, http.StatusSeeOther, signInFrom(s, attacker, operatorEmail, "wrong").Code)
	rec = signInFrom(s, attacker, operatorEmail, "wrong")
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "120", rec.Header().Get("Retry-After"), "the lockout doubles")
}

// TestSignInThrottleAcrossAddresses: guessing one account from a new
// address each time is throttled by the account's count.
func TestSignInThrottleAcrossAddresses(t *testing.T) {
	s, accts, _ := throttledServer(t)
	firstRefused := 0
	for i := 1; i <= 10; i++ {
		if signInFrom(s, fmt.Sprint("203.0.113.", i), operatorEmail, "guess").Code == http.StatusTooManyRequests {
			firstRefused = i
			break
		}
	}
	require.Equal(t, ratelimit.DefaultBackoffFree+1, firstRefused, "the account's count refuses the guess after the free ones")
	assert.EqualValues(t, firstRefused-1, accts.calls.Load())
	// IPv6 clients are keyed by /64: rotating the host part does not help.
	s, _, _ = throttledServer(t)
	codes := []int{}
	for i := range 7 {
		codes = append(codes, signInFrom(s, fmt.Sprintf("[2001:db8::%x]", i+1), fmt.Sprintf("u%d@example.com", i), "guess").Code)
	}
	assert.Equal(t, []int{303, 303, 303, 303, 303, 429, 429}, codes)
}

// TestSignInGuessingAttackOverLoopback reruns the attack as it was
// measured: a client on a real connection posting guesses as fast as it
// can. The count of accepted guesses is bounded whatever the pace.
func TestSignInGuessingAttackOverLoopback(t *testing.T) {
	accts := &countingAccounts{Accounts: testAccounts(t, nil)}
	in := startInstance(t, config.Config{}, false, Options{Accounts: accts})
	b := newBrowser(t, nil)
	const guesses = 100
	statuses := map[int]int{}
	firstRefused := 0
	for i := 1; i <= guesses; i++ {
		p := b.signIn(in.ts.URL, testEmail, fmt.Sprintf("guess %d", i))
		statuses[p.StatusCode]++
		if p.StatusCode == http.StatusTooManyRequests && firstRefused == 0 {
			firstRefused = i
		}
	}
	p := b.signIn(in.ts.URL, testEmail, testPassword)
	t.Logf("%d guesses: statuses %v, first 429 at guess %d, bcrypt runs %d; then the right password: %d",
		guesses, statuses, firstRefused, accts.calls.Load(), p.StatusCode)
	assert.Equal(t, http.StatusTooManyRequests, p.StatusCode, "the right password after the wrong ones")
	assert.Equal(t, ratelimit.DefaultBackoffFree+1, firstRefused)
	assert.Equal(t, guesses-firstRefused+1, statuses[http.StatusTooManyRequests])
	assert.EqualValues(t, ratelimit.DefaultBackoffFree, accts.calls.Load(), "bcrypt ran for the free guesses only")
}
