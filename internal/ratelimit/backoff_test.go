package ratelimit

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is a settable time for Backoff.Now.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newBackoff() (*Backoff, *clock) {
	c := &clock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	return &Backoff{Now: c.now}, c
}

// TestBackoffSchedule: five attempts free, then lockouts of 1, 2, 4, 8 and
// 15 minutes (the cap), each attempt in between refused with the time
// left.
func TestBackoffSchedule(t *testing.T) {
	b, c := newBackoff()
	for i := range 5 {
		assert.Zero(t, b.Try("k"), "free attempt %d", i+1)
	}
	for _, lock := range []time.Duration{1, 2, 4, 8, 15, 15} {
		lock *= time.Minute
		assert.Equal(t, lock, b.Try("k"), "refused, told the whole lockout")
		c.advance(lock - time.Second)
		assert.Equal(t, time.Second, b.Try("k"), "refused until the end")
		c.advance(time.Second)
		assert.Zero(t, b.Try("k"), "one attempt after the lockout")
	}
	assert.Zero(t, b.Try("other"), "keys are counted apart")
}

func TestBackoffForgiveResetForget(t *testing.T) {
	tests := []struct {
		name  string
		after func(b *Backoff, c *clock)
		want  time.Duration // the wait of the next attempt
	}{
		{"nothing: locked", func(*Backoff, *clock) {}, time.Minute},
		{"the fifth succeeded", func(b *Backoff, _ *clock) { b.Forgive("k") }, 0},
		{"reset", func(b *Backoff, _ *clock) { b.Reset("k") }, 0},
		{"an hour later", func(_ *Backoff, c *clock) { c.advance(time.Hour) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, c := newBackoff()
			for range 5 {
				b.Try("k")
			}
			tt.after(b, c)
			assert.Equal(t, tt.want, b.Try("k"))
		})
	}
	// Forgiven, the key still has its four failures: the next one locks.
	b, _ := newBackoff()
	for range 5 {
		b.Try("k")
	}
	b.Forgive("k")
	assert.Zero(t, b.Try("k"))
	assert.Equal(t, time.Minute, b.Try("k"))
}

// TestBackoffCountsAttemptsAsTheyStart: 100 attempts at once, none of them
// finished, still get only the free ones through.
func TestBackoffCountsAttemptsAsTheyStart(t *testing.T) {
	b, _ := newBackoff()
	var wg sync.WaitGroup
	var mu sync.Mutex
	through := 0
	for range 100 {
		wg.Go(func() {
			if b.Try("k") == 0 {
				mu.Lock()
				through++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, DefaultBackoffFree, through)
}

// TestBackoffTableIsBounded: a flood of new keys keeps the table at
// MaxKeys, each new key with an entry of its own (its free attempts, not a
// shared entry's), the least recently tried keys making room.
func TestBackoffTableIsBounded(t *testing.T) {
	b, _ := newBackoff()
	b.MaxKeys = 3
	for i := range 1000 {
		assert.Zero(t, b.Try(fmt.Sprint("key", i)), "a new key's first attempt")
	}
	assert.Equal(t, 3, b.Keys())

	// The most recently tried key stays; the least recent goes first.
	for range 5 {
		b.Try("locked")
	}
	b.Try("a")
	b.Try("b")
	assert.Equal(t, time.Minute, b.Try("locked"), "still there, still locked")
	b.Try("c") // evicts a, the least recent
	assert.Equal(t, time.Minute, b.Try("locked"))
	assert.Equal(t, 3, b.Keys())
}

// TestBackoffFullTableNeverLocksANewKey reproduces issue 21's lockout
// through the full table: 10,100 keys, each locked out, fill a table of
// 10,000. Before, every key past the table shared one overflow entry,
// locked with the rest, so a new key (the operator's fresh address) was
// refused for an hour. Now a new key always starts afresh.
func TestBackoffFullTableNeverLocksANewKey(t *testing.T) {
	b, c := newBackoff()
	for i := range DefaultBackoffMaxKeys + 100 {
		key := fmt.Sprint("10.0.", i/256, ".", i%256)
		for range DefaultBackoffFree {
			b.Try(key)
		}
		require.Positive(t, b.Try(key), "%s is locked", key)
		c.advance(time.Millisecond)
	}
	assert.Equal(t, DefaultBackoffMaxKeys, b.Keys())
	for i := range 100 {
		assert.Zero(t, b.Try(fmt.Sprint("198.51.100.", i)), "a fresh key is never refused for other keys' failures")
	}
}
