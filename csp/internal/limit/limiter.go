// Package limit holds the bounded, never-waiting limits the report
// handler puts in front of its work: a token bucket per client with a
// bounded client table, a cap on each client's requests in flight, and a
// cap on the requests served at once. Past a limit the answer is 429 at
// once: a queue of waiting requests would be memory an attacker controls.
package limit

import (
	"sync"
	"time"
)

// DefaultMaxClients bounds the client table. An entry is under 100 bytes,
// so the table stays under about 1 MiB.
const DefaultMaxClients = 10_000

// Limiter is a token bucket per client: each client may spend Burst tokens
// at once, then Rate per second. What a token buys is the caller's choice:
// the report handler charges one per violation (Take).
type Limiter struct {
	// Now is the clock; New sets time.Now. Tests set a fake one before
	// the limiter is used.
	Now func() time.Time

	rate, burst float64
	max         int

	mu        sync.Mutex
	clients   map[string]*bucket
	overflow  bucket // shared by new clients while the table is full
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// New returns a limiter allowing each client burst requests at once and
// rate per second after that, remembering at most maxClients clients (0 for
// DefaultMaxClients).
func New(rate float64, burst, maxClients int) *Limiter {
	if maxClients <= 0 {
		maxClients = DefaultMaxClients
	}
	return &Limiter{rate: rate, burst: float64(burst), max: maxClients, clients: map[string]*bucket{}, Now: time.Now}
}

// Allow reports whether the client key may make one more request now, and
// takes a token if so.
func (l *Limiter) Allow(key string) bool { return l.Take(key, 1) == 1 }

// Take takes up to n of key's tokens and returns how many it took: n when
// the client has that many, fewer when it has fewer (whole tokens only), 0
// when it has none left or n <= 0.
//
// When the table is full, buckets that have refilled completely (clients
// that behave as if new) are swept out, at most once a second so a stream
// of new addresses cannot make every request scan the table. New clients
// that still find no room share one overflow bucket: under such a flood
// they are limited together, and memory stays bounded.
func (l *Limiter) Take(key string, n int) int {
	if n <= 0 {
		return 0
	}
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.clients[key]
	if b == nil {
		if len(l.clients) >= l.max && now.Sub(l.lastSweep) >= time.Second {
			l.sweep(now)
		}
		if len(l.clients) < l.max {
			b = &bucket{tokens: l.burst, last: now}
			l.clients[key] = b
		} else {
			b = &l.overflow
		}
	}
	b.refill(now, l.rate, l.burst)
	took := min(n, int(b.tokens))
	b.tokens -= float64(took)
	return took
}

func (b *bucket) refill(now time.Time, rate, burst float64) {
	if b.last.IsZero() {
		b.tokens, b.last = burst, now
		return
	}
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(burst, b.tokens+d.Seconds()*rate)
		b.last = now
	}
}

func (l *Limiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, b := range l.clients {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.clients, k)
		}
	}
}

// Clients returns how many clients the table holds.
func (l *Limiter) Clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}
