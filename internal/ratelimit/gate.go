package ratelimit

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"time"
)

// Gate defaults.
const (
	// DefaultGateMaxWaiting bounds the callers waiting for a slot.
	DefaultGateMaxWaiting = 256
	// DefaultGateMaxWait bounds how long one caller waits.
	DefaultGateMaxWait = 5 * time.Second
)

// ErrBusy is Gate.Enter's answer when no slot came free in time, or too
// many callers were waiting already.
var ErrBusy = errors.New("ratelimit: busy")

// Gate caps how many costly operations (password hashes) run at once,
// all clients together.
//
// The threat is a guessing flood from many addresses: each address is
// throttled on its own (Backoff), but 200 addresses with five free guesses
// each ran 200 bcrypt comparisons at once, and every other page waited for
// the CPU: GET / went from under a millisecond to 300-900 ms. Behind a
// Gate the comparisons wait their turn, in order of arrival, and the
// cores the Gate leaves free keep serving pages.
//
// A waiting caller gives up when its context ends, after MaxWait, or at
// once when MaxWaiting callers are waiting already: a flood then gets
// ErrBusy rather than an ever longer queue holding memory and
// connections.
//
// NewGate makes one; set its fields before first use (zero fields take
// the defaults).
type Gate struct {
	// MaxWaiting bounds the callers waiting for a slot. Default
	// DefaultGateMaxWaiting.
	MaxWaiting int
	// MaxWait bounds one caller's wait. Default DefaultGateMaxWait.
	MaxWait time.Duration

	slots   chan struct{} // a token per operation running
	waiting atomic.Int64
}

// NewGate returns a Gate letting slots operations run at once; 0 means
// half the CPUs Go may use (GOMAXPROCS), at least 1, so that a flood of
// them leaves the other half to everything else.
func NewGate(slots int) *Gate {
	if slots <= 0 {
		slots = max(1, runtime.GOMAXPROCS(0)/2)
	}
	return &Gate{slots: make(chan struct{}, slots)}
}

// Slots returns how many operations may run at once.
func (g *Gate) Slots() int { return cap(g.slots) }

// Enter waits for a slot and returns the function that gives it back, or
// ErrBusy (or ctx's error) without a slot. Waiting callers get slots in
// the order they came.
func (g *Gate) Enter(ctx context.Context) (release func(), err error) {
	release = func() { <-g.slots }
	select {
	case g.slots <- struct{}{}:
		return release, nil
	default:
	}
	maxWaiting, maxWait := g.MaxWaiting, g.MaxWait
	if maxWaiting <= 0 {
		maxWaiting = DefaultGateMaxWaiting
	}
	if maxWait <= 0 {
		maxWait = DefaultGateMaxWait
	}
	if g.waiting.Add(1) > int64(maxWaiting) {
		g.waiting.Add(-1)
		return nil, ErrBusy
	}
	defer g.waiting.Add(-1)
	timer := time.NewTimer(maxWait)
	defer timer.Stop()
	select {
	case g.slots <- struct{}{}:
		return release, nil
	case <-timer.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Waiting returns how many callers are waiting for a slot.
func (g *Gate) Waiting() int { return int(g.waiting.Load()) }
