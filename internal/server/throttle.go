package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/noncekit/noncekit/internal/ratelimit"
	"github.com/noncekit/noncekit/views/pages"
)

// signInThrottle slows password guessing down, and keeps it from being
// turned against the people it protects.
//
// An attempt from a browser without a valid device cookie (device.go) is
// counted twice: against the client's address (report.ClientKey, the one
// definition the report limiter uses too), so one client cannot try many
// accounts, and against the account's email, so many clients cannot
// share the guessing of one account. Either being locked out refuses the
// attempt with a 429 page that says when to retry, before any bcrypt work.
//
// An attempt from a known device, one with a valid device cookie for the
// account it names, is counted against that device alone. Strangers'
// failures lock the account out for unknown browsers only, and an address
// out for nobody who signed in from it before: 100 guesses from 100
// addresses no longer keep the operator out of their own account, however
// often they are renewed, nor does an attacker behind the same address.
//
// Each count is a ratelimit.Backoff with its defaults: 5 attempts, then
// lockouts of 1, 2, 4, 8 and at most 15 minutes, forgotten an hour after
// the last failure, in tables of 10,000 keys that evict the least recently
// tried (a new address always starts afresh). A successful sign-in takes
// back its own attempt from the address's count and clears the account's
// (or, from a known device, the device's: the account's count, which
// strangers ran up, stays as it was for the unknown browsers).
//
// Then the password check itself waits for a slot of a ratelimit.Gate: at
// most half the CPUs hash passwords at once, however many addresses guess,
// so pages stay fast during a guessing flood. Known devices have a lane of
// their own, so a flood does not keep them waiting either. An attempt that
// finds no slot in time is answered 429 "busy" and not counted.
//
// The price that remains: from a browser that never signed in to it, an
// account can still be kept waiting for up to 15 minutes at a time by
// strangers guessing wrong, and during a flood past the Gate's queue such
// a browser may be told the server is busy.
type signInThrottle struct {
	byAddress, byAccount, byDevice *ratelimit.Backoff
	// hashes are the slots of password checks; known the lane of the
	// attempts from known devices.
	hashes, known *ratelimit.Gate
	now           func() time.Time
}

// attempt names one sign-in attempt's counts: the client's address, the
// normalised email ("" when none was given) and the device cookie's id
// ("" without a valid one).
type attempt struct {
	address, account, device string
}

// knownDeviceSlots is the lane of known devices: one check at a time is
// enough for the few browsers that signed in before.
const knownDeviceSlots = 1

// newSignInThrottle returns the throttle on clock now (time.Now when nil;
// tests pass their own).
func newSignInThrottle(now func() time.Time) signInThrottle {
	if now == nil {
		now = time.Now
	}
	return signInThrottle{
		byAddress: &ratelimit.Backoff{Now: now}, byAccount: &ratelimit.Backoff{Now: now}, byDevice: &ratelimit.Backoff{Now: now},
		hashes: ratelimit.NewGate(0), known: ratelimit.NewGate(knownDeviceSlots),
		now: now,
	}
}

// try counts a and returns 0, or how long the client must wait when one of
// its counts is locked out. An attempt refused by one count is not counted
// by another.
func (t signInThrottle) try(a attempt) time.Duration {
	if a.device != "" {
		return t.byDevice.Try(a.device)
	}
	if wait := t.byAddress.Try(a.address); wait > 0 {
		return wait
	}
	if a.account == "" {
		return 0
	}
	if wait := t.byAccount.Try(a.account); wait > 0 {
		t.byAddress.Forgive(a.address)
		return wait
	}
	return 0
}

// enter waits for a slot to check a's password in (known devices in their
// own lane); release gives it back. ratelimit.ErrBusy when none came free.
func (t signInThrottle) enter(ctx context.Context, a attempt) (release func(), err error) {
	if a.device != "" {
		return t.known.Enter(ctx)
	}
	return t.hashes.Enter(ctx)
}

// cancel takes back what try counted for an attempt that never checked a
// password (no slot came free).
func (t signInThrottle) cancel(a attempt) {
	if a.device != "" {
		t.byDevice.Forgive(a.device)
		return
	}
	t.byAddress.Forgive(a.address)
	if a.account != "" {
		t.byAccount.Forgive(a.account)
	}
}

// succeeded clears the count the attempt was charged to: the device's, or
// the account's, taking back the address's attempt.
func (t signInThrottle) succeeded(a attempt) {
	if a.device != "" {
		t.byDevice.Reset(a.device)
		return
	}
	t.byAddress.Forgive(a.address)
	t.byAccount.Reset(a.account)
}

// busyRetry is the Retry-After of a sign-in that found no slot.
const busyRetry = 5 * time.Second

// tooBusy answers 429 for an attempt that found no password-check slot in
// time: the server is busy with other sign-ins, which is not this
// client's fault, and it may retry soon.
func (s *Server) tooBusy(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", strconv.Itoa(int(busyRetry/time.Second)))
	s.Render(w, r, http.StatusTooManyRequests, pages.Error(http.StatusTooManyRequests, "Busy",
		"The server is checking many sign-ins right now. Try again in a few seconds."))
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
