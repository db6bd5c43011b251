package ratelimit

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGateCapsWhatRunsAtOnce: 50 callers at once, never more than Slots
// inside together, and every one gets in eventually.
func TestGateCapsWhatRunsAtOnce(t *testing.T) {
	g := NewGate(2)
	var inside, most, done atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			release, err := g.Enter(context.Background())
			if !assert.NoError(t, err) {
				return
			}
			n := inside.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			runtime.Gosched()
			inside.Add(-1)
			release()
			done.Add(1)
		})
	}
	wg.Wait()
	assert.EqualValues(t, 50, done.Load())
	assert.LessOrEqual(t, most.Load(), int64(2))
}

// TestGateServesInOrder: callers waiting for a slot get it in the order
// they came.
func TestGateServesInOrder(t *testing.T) {
	g := NewGate(1)
	hold, err := g.Enter(context.Background())
	require.NoError(t, err)
	order := make(chan int, 3)
	releases := make(chan func(), 3)
	for i := range 3 {
		go func() {
			release, err := g.Enter(context.Background())
			assert.NoError(t, err)
			order <- i
			releases <- release
		}()
		require.Eventually(t, func() bool { return g.Waiting() == i+1 }, 5*time.Second, time.Millisecond)
	}
	hold()
	for want := range 3 {
		assert.Equal(t, want, <-order)
		(<-releases)()
	}
}

// TestGateRefusesPastItsQueue: with every slot taken and MaxWaiting
// callers waiting, the next is refused at once; a waiting caller gives up
// after MaxWait or when its context ends.
func TestGateRefusesPastItsQueue(t *testing.T) {
	g := NewGate(1)
	g.MaxWaiting = 1
	hold, err := g.Enter(context.Background())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	waited := make(chan error, 1)
	go func() {
		_, err := g.Enter(ctx)
		waited <- err
	}()
	require.Eventually(t, func() bool { return g.Waiting() == 1 }, 5*time.Second, time.Millisecond)
	_, err = g.Enter(context.Background())
	assert.ErrorIs(t, err, ErrBusy, "the queue is full")
	cancel()
	assert.ErrorIs(t, <-waited, context.Canceled)

	g.MaxWait = time.Millisecond
	_, err = g.Enter(context.Background())
	assert.ErrorIs(t, err, ErrBusy, "no slot came free within MaxWait")
	hold()
	release, err := g.Enter(context.Background())
	require.NoError(t, err, "a slot given back is taken again")
	release()
	assert.Zero(t, g.Waiting())
}

func TestGateDefaultSlots(t *testing.T) {
	assert.Equal(t, max(1, runtime.GOMAXPROCS(0)/2), NewGate(0).Slots())
	assert.Equal(t, 3, NewGate(3).Slots())
}
