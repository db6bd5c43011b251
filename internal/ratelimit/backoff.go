package ratelimit

import (
	"container/list"
	"sync"
	"time"
)

// Backoff defaults: five attempts free, then a lockout of one minute that
// doubles with every further failure, up to fifteen minutes. Failures are
// forgotten an hour after the last one.
const (
	DefaultBackoffFree   = 5
	DefaultBackoffFirst  = time.Minute
	DefaultBackoffMax    = 15 * time.Minute
	DefaultBackoffForget = time.Hour
	// DefaultBackoffMaxKeys bounds the table of keys. An entry is under
	// 200 bytes with its key, so the table stays under about 2 MiB.
	DefaultBackoffMaxKeys = 10_000
)

// Backoff locks a key (a client address, an account) out after repeated
// failed attempts, for exponentially longer each time.
//
// The threat is password guessing: without it one client tried 379
// passwords a minute against the sign-in form, each costing a bcrypt run
// that slowed every other page. With the defaults a key gets 5 attempts,
// then waits 1, 2, 4, 8 and then 15 minutes between single attempts: about
// 4 guesses an hour once locked.
//
// An attempt is counted when it starts (Try), not when it fails, so many
// attempts sent at once cannot all slip in before the first failure is
// recorded; one that succeeds, or never ran, is taken back (Forgive) or
// clears the key (Reset).
//
// The table is bounded: when it holds MaxKeys keys, a new key takes the
// place of the key whose last attempt is the oldest. Every key always has
// an entry of its own. Before, new keys that found no room shared one
// overflow entry: five guesses and 10,100 more from as many addresses
// filled the table and locked that entry, and from then on every new
// address, the operator's with the right password included, was refused
// for an hour. The price of evicting: a key can be forgotten after MaxKeys
// other keys have tried since its last attempt, so an attacker with more
// addresses than that gets its free attempts again on each of them. What
// bounds such an attacker is the count per account, and a cap on the
// password checks run at once (see package server's throttle), not this
// table.
//
// Set the fields before first use; zero fields take the defaults.
type Backoff struct {
	// Free is how many attempts a key may fail before it is locked out.
	Free int
	// First is the first lockout; each further failure doubles it.
	First time.Duration
	// Max caps a lockout.
	Max time.Duration
	// Forget is how long after its last failure a key starts afresh. It
	// should exceed Max, or a locked key would be forgiven by waiting.
	Forget time.Duration
	// MaxKeys bounds the table (DefaultBackoffMaxKeys when 0).
	MaxKeys int
	// Now is the clock (time.Now when nil); tests set it.
	Now func() time.Time

	mu   sync.Mutex
	keys map[string]*list.Element // of *strikes
	lru  list.List                // the keys' strikes, the latest attempt first
}

// strikes are one key's counted attempts.
type strikes struct {
	key   string
	n     int       // attempts counted (failed, or under way)
	last  time.Time // when the last one was counted
	until time.Time // locked until then
}

// Try asks whether key may attempt now. When it may, Try returns 0 and
// counts the attempt as a failure until Forgive or Reset takes it back.
// When it may not, Try returns how long key must wait, and counts nothing.
func (b *Backoff) Try(key string) time.Duration {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.entry(key)
	if now.Before(s.until) {
		return s.until.Sub(now)
	}
	if !s.last.IsZero() && now.Sub(s.last) >= b.forget() {
		*s = strikes{}
	}
	s.n++
	s.last = now
	if s.n >= b.free() {
		s.until = now.Add(b.lockout(s.n - b.free()))
	}
	return 0
}

// Forgive takes back the attempt Try counted for key, which succeeded: a
// key with fewer than Free attempts left counted is no longer locked.
func (b *Backoff) Forgive(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.keys[key]; e != nil {
		if s := e.Value.(*strikes); s.n > 0 {
			s.n--
			if s.n < b.free() {
				s.until = time.Time{}
			}
		}
	}
}

// Reset forgets every attempt of key.
func (b *Backoff) Reset(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.keys[key]; e != nil {
		b.lru.Remove(e)
		delete(b.keys, key)
	}
}

// Keys returns how many keys the table holds.
func (b *Backoff) Keys() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.keys)
}

// entry returns key's strikes, making them the most recent; a new key
// takes the place of the least recent one when the table is full. b.mu
// held.
func (b *Backoff) entry(key string) *strikes {
	if e := b.keys[key]; e != nil {
		b.lru.MoveToFront(e)
		return e.Value.(*strikes)
	}
	if b.keys == nil {
		b.keys = map[string]*list.Element{}
	}
	max := b.MaxKeys
	if max <= 0 {
		max = DefaultBackoffMaxKeys
	}
	if len(b.keys) >= max {
		oldest := b.lru.Back()
		b.lru.Remove(oldest)
		delete(b.keys, oldest.Value.(*strikes).key)
	}
	s := &strikes{key: key}
	b.keys[key] = b.lru.PushFront(s)
	return s
}

// lockout is the lockout after the extra-th failure past the free ones:
// First doubled extra times, at most Max.
func (b *Backoff) lockout(extra int) time.Duration {
	d, max := b.First, b.Max
	if d <= 0 {
		d = DefaultBackoffFirst
	}
	if max <= 0 {
		max = DefaultBackoffMax
	}
	for ; extra > 0 && d < max; extra-- {
		d *= 2
	}
	return min(d, max)
}

func (b *Backoff) free() int {
	if b.Free <= 0 {
		return DefaultBackoffFree
	}
	return b.Free
}

func (b *Backoff) forget() time.Duration {
	if b.Forget <= 0 {
		return DefaultBackoffForget
	}
	return b.Forget
}

func (b *Backoff) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}
