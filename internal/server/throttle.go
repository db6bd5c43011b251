package server

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/noncekit/noncekit/internal/ratelimit"
	"github.com/noncekit/noncekit/views/pages"
)

// signInThrottle slows password guessing down. Each sign-in attempt is
// counted twice: against the client's address (report.ClientKey, the
// one definition the report limiter uses too), so one client cannot try
// many accounts, and against the account's email, so many clients cannot
// share the guessing of one account. Either being locked out refuses the
// attempt with a 429 page that says when to retry, before any bcrypt work:
// guessing no longer slows every other page down.
//
// Both use ratelimit.Backoff's defaults: 5 attempts, then lockouts of 1,
// 2, 4, 8 and at most 15 minutes, forgotten an hour after the last
// failure. A successful sign-in clears the account's count and takes back
// its own attempt from the address's; the address keeps its failures, so
// signing in to one's own account between guesses does not reset them.
// The price: anyone can lock an account out of sign-in for up to 15
// minutes at a time by guessing wrong, and clients behind one address
// (an office's NAT) share its attempts.
type signInThrottle struct {
	byAddress, byAccount *ratelimit.Backoff
	now                  func() time.Time
}

// newSignInThrottle returns the throttle on clock now (time.Now when nil;
// tests pass their own).
func newSignInThrottle(now func() time.Time) signInThrottle {
	if now == nil {
		now = time.Now
	}
	return signInThrottle{byAddress: &ratelimit.Backoff{Now: now}, byAccount: &ratelimit.Backoff{Now: now}, now: now}
}

// try counts an attempt from address at account (a normalised email, ""
// when none was given) and returns 0, or how long the client must wait
// when either is locked out. An attempt refused by one is not counted by
// the other.
func (t signInThrottle) try(address, account string) time.Duration {
	if wait := t.byAddress.Try(address); wait > 0 {
		return wait
	}
	if account == "" {
		return 0
	}
	if wait := t.byAccount.Try(account); wait > 0 {
		t.byAddress.Forgive(address)
		return wait
	}
	return 0
}

// succeeded clears the account and takes back the address's attempt.
func (t signInThrottle) succeeded(address, account string) {
	t.byAddress.Forgive(address)
	t.byAccount.Reset(account)
}

// tooManyAttempts answers 429 with the kit's error page and Retry-After.
func (s *Server) tooManyAttempts(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	at := s.signIns.now().Add(wait).UTC().Format("15:04:05 MST")
	msg := fmt.Sprintf("Too many sign-in attempts from here or for this account. Try again in %s (at %s).", humanWait(secs), at)
	s.Render(w, r, http.StatusTooManyRequests, pages.Error(http.StatusTooManyRequests, "Too many attempts", msg))
}

// humanWait says secs in the largest whole unit, rounded up.
func humanWait(secs int) string {
	if secs < 60 {
		return plural(secs, "second")
	}
	return plural((secs+59)/60, "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
