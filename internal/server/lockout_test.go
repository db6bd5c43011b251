package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/ratelimit"
)

// signInWith posts the sign-in form from a client address, with cookies
// (a device cookie, say).
func signInWith(s http.Handler, addr, email, password string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = addr + ":40000"
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// deviceOf is the device cookie a successful sign-in set.
func deviceOf(t *testing.T, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	require.Equal(t, "/account", rec.Header().Get("Location"), "signed in")
	return cookieNamed(t, rec.Result().Cookies(), deviceCookieName)
}

// TestFullThrottleTableNeverLocksOutAFreshAddress reproduces issue 21's
// lockout (a): five guesses at a made-up email, then 10,100 more from as
// many addresses, filled the address table, and every new address shared
// one locked overflow entry, so the operator with the right password from
// a fresh address got 429 for an hour. Now it signs in.
func TestFullThrottleTableNeverLocksOutAFreshAddress(t *testing.T) {
	s, accts, _ := throttledServer(t)
	for range 5 {
		signInWith(s, "192.0.2.1", "made-up@example.com", "guess")
	}
	codes := map[int]int{}
	for i := range ratelimit.DefaultBackoffMaxKeys + 100 {
		codes[signInWith(s, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), "made-up@example.com", "guess").Code]++
	}
	assert.Equal(t, map[int]int{http.StatusTooManyRequests: ratelimit.DefaultBackoffMaxKeys + 100}, codes, "the made-up account is locked")
	assert.EqualValues(t, 5, accts.calls.Load(), "no bcrypt while it is")

	rec := signInWith(s, "198.51.100.77", operatorEmail, operatorPassword)
	assert.Equal(t, http.StatusSeeOther, rec.Code)
	assert.Equal(t, "/account", rec.Header().Get("Location"), "a fresh address is not refused for other addresses' failures")
}

// TestKnownDeviceIsNotLockedOutByOthers reproduces issue 21's lockout (b)
// and (c): 100 guesses from 100 addresses locked the operator's account
// from everywhere, renewably, and guesses from the operator's own address
// (behind a proxy the kit does not trust, everyone shares one) locked it
// too. A browser that signed in before carries a device cookie: it is
// counted on its own and signs in through both. An unknown browser is
// still refused while the account is locked, and a stolen device cookie
// gets only its own free attempts.
func TestKnownDeviceIsNotLockedOutByOthers(t *testing.T) {
	s, _, clock := throttledServer(t)
	const home = "198.51.100.10" // the operator's address, shared with the attacker below
	device := deviceOf(t, signInWith(s, home, operatorEmail, operatorPassword))

	for round := range 3 { // renewed, round after round
		for i := range 100 {
			signInWith(s, fmt.Sprintf("203.0.113.%d", i), operatorEmail, fmt.Sprintf("guess %d-%d", round, i))
		}
		for i := range 10 {
			signInWith(s, home, fmt.Sprintf("other%d@example.com", i), "guess")
		}
		assert.Equal(t, http.StatusTooManyRequests, signInWith(s, "192.0.2.50", operatorEmail, operatorPassword).Code,
			"round %d: an unknown browser waits out the account's lockout", round)
		assert.Equal(t, http.StatusTooManyRequests, signInWith(s, home, testEmail, testPassword).Code,
			"round %d: the shared address is locked for unknown browsers", round)
		rec := signInWith(s, home, operatorEmail, operatorPassword, device)
		require.Equal(t, http.StatusSeeOther, rec.Code, "round %d: the known device signs in", round)
		device = deviceOf(t, rec) // a new cookie on each sign-in
		clock.t = clock.t.Add(time.Minute)
	}
	rec := signInWith(s, "192.0.2.99", operatorEmail, operatorPassword, device)
	assert.Equal(t, "/account", rec.Header().Get("Location"), "from any address")

	// Whoever holds the cookie without the password gets the device's own
	// free attempts, then waits like anyone.
	stolen := device
	for i := range ratelimit.DefaultBackoffFree {
		assert.Equal(t, "/signin?notice=invalid", signInWith(s, "192.0.2.66", operatorEmail, "guess", stolen).Header().Get("Location"), "guess %d", i)
	}
	assert.Equal(t, http.StatusTooManyRequests, signInWith(s, "192.0.2.66", operatorEmail, operatorPassword, stolen).Code)
}

// TestDeviceCookieChecks: only a cookie the server signed, for the account
// the form names, unexpired and under the account's current password,
// makes a known device.
func TestDeviceCookieChecks(t *testing.T) {
	accts := testAccounts(t, nil)
	s := newTestServer(t, Options{Accounts: accts})
	rec := signInWith(s, "192.0.2.1", testEmail, testPassword)
	good := deviceOf(t, rec)
	ctx := context.Background()
	verify := func(c *http.Cookie, email string) string {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/signin", nil)
		if c != nil {
			req.AddCookie(c)
		}
		id, err := s.devices.verify(ctx, req, email)
		require.NoError(t, err)
		return id
	}
	with := func(value string) *http.Cookie { return &http.Cookie{Name: deviceCookieName, Value: value} }
	parts := strings.Split(good.Value, ".")
	require.Len(t, parts, 5)
	id := verify(good, testEmail)
	require.NotEmpty(t, id)
	assert.Equal(t, id, verify(good, " ADA@example.com "), "the email as the form may send it")

	tests := []struct {
		name   string
		cookie *http.Cookie
		email  string
	}{
		{"none", nil, testEmail},
		{"another account", good, operatorEmail},
		{"an unknown account", good, "nobody@example.com"},
		{"a changed id", with(strings.Join([]string{parts[0], parts[1], "AAAAAAAAAAAAAAAAAAAAAA", parts[3], parts[4]}, ".")), testEmail},
		{"a later expiry", with(strings.Join([]string{parts[0], parts[1], parts[2], "99999999999", parts[4]}, ".")), testEmail},
		{"no MAC", with(strings.Join(parts[:4], ".")), testEmail},
		{"another version", with("v2." + strings.Join(parts[1:], ".")), testEmail},
		{"junk", with("not a device cookie"), testEmail},
		{"too long", with(good.Value + strings.Repeat("A", deviceMaxValue)), testEmail},
	}
	for _, tt := range tests {
		assert.Empty(t, verify(tt.cookie, tt.email), tt.name)
	}

	// Expired: the clock moved past its lifetime.
	s.devices.now = func() time.Time { return time.Now().Add(deviceLifetime + time.Minute) }
	assert.Empty(t, verify(good, testEmail), "expired")
	s.devices.now = time.Now

	// A new password revokes every device cookie of the account.
	db := openTestDB(t, t.TempDir())
	accts = testAccounts(t, db)
	s = newTestServer(t, Options{Accounts: accts})
	good = deviceOf(t, signInWith(s, "192.0.2.1", testEmail, testPassword))
	require.NotEmpty(t, verify(good, testEmail))
	require.NoError(t, testStore(db).SetPassword(ctx, testEmail, "a brand new password"))
	assert.Empty(t, verify(good, testEmail), "revoked by the new password")
}

// blockingAccounts holds every password check until released, and counts
// how many run at once.
type blockingAccounts struct {
	Accounts
	hold         atomic.Bool
	release      chan struct{}
	inside, most atomic.Int64
}

func (b *blockingAccounts) Authenticate(ctx context.Context, email, password string) (account.User, error) {
	n := b.inside.Add(1)
	for m := b.most.Load(); n > m && !b.most.CompareAndSwap(m, n); m = b.most.Load() {
	}
	if b.hold.Load() {
		<-b.release
	}
	defer b.inside.Add(-1)
	return b.Accounts.Authenticate(ctx, email, password)
}

// TestPasswordChecksAreCapped reproduces issue 21's bcrypt flood (200
// attempts from 200 addresses ran 200 hashes at once, and every page
// waited for the CPU) in count, not time: 20 attempts from 20 addresses at
// once run one password check at a time (the gate's slots; half the CPUs
// by default), the rest waiting in line; a known device still gets its
// check at once, in its own lane; past the line's length an attempt is
// answered 429 "busy" and not counted against anyone.
func TestPasswordChecksAreCapped(t *testing.T) {
	accts := &blockingAccounts{Accounts: testAccounts(t, nil), release: make(chan struct{})}
	s := newTestServer(t, Options{Accounts: accts})
	s.signIns.hashes = ratelimit.NewGate(1)
	s.signIns.hashes.MaxWaiting = 19
	device := deviceOf(t, signInWith(s, "192.0.2.1", operatorEmail, operatorPassword))
	accts.most.Store(0)
	accts.hold.Store(true)

	var wg sync.WaitGroup
	codes := make(chan int, 21)
	for i := range 20 {
		wg.Go(func() {
			codes <- signInWith(s, fmt.Sprintf("203.0.113.%d", i), fmt.Sprintf("u%d@example.com", i), "guess").Code
		})
	}
	require.Eventually(t, func() bool { return accts.inside.Load() == 1 && s.signIns.hashes.Waiting() == 19 },
		10*time.Second, time.Millisecond, "one check runs, 19 wait")

	// The line is full: the next is told the server is busy, at once.
	rec := signInWith(s, "203.0.113.200", testEmail, testPassword)
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "5", rec.Header().Get("Retry-After"))
	assert.Contains(t, rec.Body.String(), "<h1>Busy</h1>")

	// A known device does not wait behind the line.
	wg.Go(func() { codes <- signInWith(s, "192.0.2.1", operatorEmail, operatorPassword, device).Code })
	require.Eventually(t, func() bool { return accts.inside.Load() == 2 }, 10*time.Second, time.Millisecond,
		"the known device's check runs beside the line")

	close(accts.release)
	wg.Wait()
	close(codes)
	for c := range codes {
		assert.Equal(t, http.StatusSeeOther, c)
	}
	assert.EqualValues(t, 2, accts.most.Load(), "one check in the line's slot, one in the known devices' lane")

	// The busy answer was not counted: the address has its 5 attempts.
	accts.hold.Store(false)
	for i := range ratelimit.DefaultBackoffFree {
		assert.Equal(t, http.StatusSeeOther, signInWith(s, "203.0.113.200", fmt.Sprintf("v%d@example.com", i), "guess").Code, "attempt %d", i+1)
	}
}
