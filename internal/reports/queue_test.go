package reports

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/testsupport/syncbuf"
)

// blockingRecorder signals each call on entered and waits for release.
type blockingRecorder struct {
	entered chan int
	release chan struct{}
	mu      sync.Mutex
	got     []report.Violation
	noise   int
	err     error
}

func (r *blockingRecorder) Record(_ context.Context, vs []report.Violation, noise int) error {
	if r.entered != nil {
		r.entered <- len(vs)
		<-r.release
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, vs...)
	r.noise += noise
	return r.err
}

func batchOf(n int, group string) report.Batch {
	b := report.Batch{}
	for range n {
		b.Violations = append(b.Violations, report.Violation{Group: group, EffectiveDirective: "script-src-elem", BlockedURL: "inline"})
	}
	return b
}

func TestQueueFullDropsAndCountsWithoutBlocking(t *testing.T) {
	rec := &blockingRecorder{entered: make(chan int), release: make(chan struct{})}
	q := NewQueue(rec, QueueOptions{Size: 10, BatchSize: 1, Logger: discard()})
	q.Add(context.Background(), batchOf(1, "a"))
	<-rec.entered // the writer holds that one and is stuck in the store

	done := make(chan struct{})
	go func() {
		q.Add(context.Background(), batchOf(10, "a")) // fills the queue
		q.Add(context.Background(), batchOf(25, "a")) // all dropped
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Add blocked on a full queue")
	}
	st := q.Stats()
	assert.EqualValues(t, 25, st.Dropped)
	assert.Equal(t, 10, st.Waiting)

	close(rec.release) // unblock every later call
	go func() {
		for range rec.entered {
		}
	}()
	require.NoError(t, q.Close(context.Background()))
	close(rec.entered)
	assert.Len(t, rec.got, 11, "everything queued is written on Close")
	assert.EqualValues(t, 11, q.Stats().Stored)
}

func TestQueueBatchesCountsNoiseAndPublishes(t *testing.T) {
	rec := &blockingRecorder{}
	hub := NewHub(0, 0)
	sub, err := hub.Subscribe("demo")
	require.NoError(t, err)
	q := NewQueue(rec, QueueOptions{FlushInterval: time.Millisecond, Publisher: hub, Logger: discard()})
	b := batchOf(2, "demo")
	b.Violations = append(b.Violations, report.Violation{Group: "demo", BlockedURL: "chrome-extension", Noise: true})
	b.Noise = 1
	q.Add(context.Background(), b)
	for range 2 {
		v := <-sub.C // published once stored, noise not included
		assert.Equal(t, "demo", v.Group)
		assert.False(t, v.Noise)
	}
	require.NoError(t, q.Close(context.Background()))
	assert.Len(t, rec.got, 2)
	assert.Equal(t, 1, rec.noise)
	q.Add(context.Background(), batchOf(3, "demo"))
	assert.EqualValues(t, 3, q.Stats().Dropped, "a closed queue drops")
}

// failingRecorder refuses every write while down is set, telling refused
// about each refusal, and advances the clock by step on each call.
type failingRecorder struct {
	mu      sync.Mutex
	down    bool
	refused chan struct{}
	calls   int
	clock   *fakeClock
	step    time.Duration
	got     []report.Violation
}

func (r *failingRecorder) Record(_ context.Context, vs []report.Violation, _ int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.clock != nil {
		r.clock.advance(r.step)
	}
	if r.down {
		if r.refused != nil {
			select {
			case r.refused <- struct{}{}:
			default:
			}
		}
		return errors.New("connection refused")
	}
	r.got = append(r.got, vs...)
	return nil
}

func (r *failingRecorder) setDown(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestQueueGivesUpAfterRetryFor: a batch the store keeps refusing is tried
// until RetryFor has passed on the queue's clock, then counted as failed,
// in three log lines however many attempts failed.
func TestQueueGivesUpAfterRetryFor(t *testing.T) {
	var out syncbuf.Buffer
	clock := &fakeClock{now: time.Unix(1000, 0)}
	rec := &failingRecorder{down: true, clock: clock, step: 10 * time.Second}
	q := NewQueue(rec, QueueOptions{FlushInterval: time.Millisecond, RetryFor: 30 * time.Second, Now: clock.Now,
		Logger: out.JSONLogger(slog.LevelInfo)})
	q.Add(context.Background(), batchOf(4, "x"))
	require.NoError(t, q.Close(context.Background()))
	st := q.Stats()
	assert.EqualValues(t, 4, st.Failed)
	assert.EqualValues(t, 0, st.Stored)
	assert.EqualValues(t, 2, st.Retries, "tried at 0 s, 10 s and 20 s; at 30 s it gave up")
	assert.Equal(t, 3, rec.calls)
	var msgs []string
	for _, l := range out.TakeJSON(t) {
		msgs = append(msgs, l["msg"].(string))
	}
	assert.Equal(t, []string{"csp reports: store write failed", "csp reports: store write still failing",
		"csp reports: gave up a batch the store kept refusing"}, msgs)
}

// TestQueueWritesWhatCameWhileTheStoreWasAway: while the store refuses
// writes, the writer retries its batch and new violations wait in the
// queue; once the store is back all of them are written, and the log has
// a line for the start and one for the end of the outage.
func TestQueueWritesWhatCameWhileTheStoreWasAway(t *testing.T) {
	var out syncbuf.Buffer
	rec := &failingRecorder{down: true, refused: make(chan struct{}, 1)}
	q := NewQueue(rec, QueueOptions{FlushInterval: time.Millisecond, BatchSize: 100, Logger: out.JSONLogger(slog.LevelInfo)})
	q.Add(context.Background(), batchOf(100, "x"))
	for range 3 { // the store refused three attempts
		<-rec.refused
	}
	q.Add(context.Background(), batchOf(900, "x"))
	assert.Equal(t, 900, q.Stats().Waiting, "queued behind the batch being retried")
	rec.setDown(false)
	require.NoError(t, q.Close(context.Background()))
	st := q.Stats()
	assert.EqualValues(t, 1000, st.Stored)
	assert.Zero(t, st.Failed)
	assert.Zero(t, st.Dropped)
	assert.GreaterOrEqual(t, st.Retries, int64(3))
	assert.Len(t, rec.got, 1000)
	var msgs []string
	for _, l := range out.TakeJSON(t) {
		msgs = append(msgs, l["msg"].(string))
	}
	assert.Equal(t, []string{"csp reports: store write failed", "csp reports: store write works again"}, msgs)
}

// TestQueueOutlastsTenSecondsAway: with the default RetryFor, a store that
// refuses every write for 10 s on the queue's clock (each attempt takes a
// second) loses nothing.
func TestQueueOutlastsTenSecondsAway(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1000, 0)}
	rec := &failingRecorder{down: true, clock: clock, step: time.Second, refused: make(chan struct{}, 1)}
	q := NewQueue(rec, QueueOptions{FlushInterval: time.Millisecond, Now: clock.Now, Logger: discard()})
	q.Add(context.Background(), batchOf(300, "x"))
	for range 10 {
		<-rec.refused
	}
	rec.setDown(false)
	require.NoError(t, q.Close(context.Background()))
	st := q.Stats()
	assert.EqualValues(t, 300, st.Stored)
	assert.Zero(t, st.Failed)
	assert.GreaterOrEqual(t, rec.calls, 11)
}

// TestQueueCloseGivesUpWhenItsContextEnds: a Close that stops waiting for a
// store that stays away makes the writer give up on everything left,
// counted as failed.
func TestQueueCloseGivesUpWhenItsContextEnds(t *testing.T) {
	rec := &failingRecorder{down: true, refused: make(chan struct{}, 1)}
	q := NewQueue(rec, QueueOptions{BatchSize: 10, Logger: discard()})
	q.Add(context.Background(), batchOf(10, "x"))
	<-rec.refused
	q.Add(context.Background(), batchOf(25, "x"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, q.Close(ctx), context.Canceled)
	require.Eventually(t, func() bool { return q.Stats().Failed == 35 }, 10*time.Second, time.Millisecond)
	assert.Zero(t, q.Stats().Stored)
}

// TestQueueCloseDoesNotRest: the writer rests after each write (a write
// that took an hour on the queue's clock earns an hour's rest), but Close
// writes what is left at once.
func TestQueueCloseDoesNotRest(t *testing.T) {
	for _, share := range []float64{0, 1} {
		clock := &fakeClock{now: time.Unix(1000, 0)}
		rec := &failingRecorder{clock: clock, step: time.Hour}
		q := NewQueue(rec, QueueOptions{BatchSize: 1, WriteShare: share, Now: clock.Now, Logger: discard()})
		q.Add(context.Background(), batchOf(5, "x"))
		require.NoError(t, q.Close(context.Background()))
		assert.EqualValues(t, 5, q.Stats().Stored, "share %v", share)
	}
}

func TestHubDropsSlowSubscribersAndClosesOnShutdown(t *testing.T) {
	h := NewHub(2, 2)
	slow, err := h.Subscribe("")
	require.NoError(t, err)
	other, err := h.Subscribe("other")
	require.NoError(t, err)
	_, err = h.Subscribe("")
	assert.ErrorIs(t, err, ErrHubFull)

	h.Publish(batchOf(3, "demo").Violations) // 3 > slow's buffer of 2
	n := 0
	for range slow.C { // closed after the two it could hold
		n++
	}
	assert.Equal(t, 2, n)
	assert.Equal(t, 1, h.Subscribers())
	slow.Close() // harmless after the hub ended it

	h.Close()
	_, open := <-other.C
	assert.False(t, open, "shutdown ends every stream")
	_, err = h.Subscribe("")
	assert.ErrorIs(t, err, ErrHubClosed)
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestHubReplaysRecentSinceForLateSubscribers(t *testing.T) {
	h := NewHub(0, 0)
	t0 := time.Unix(100, 0)
	var vs []report.Violation
	for i := range 40 { // more than the ring holds
		vs = append(vs, report.Violation{Group: []string{"demo", "site"}[i%2], Line: i, ReceivedAt: t0.Add(time.Duration(i) * time.Second)})
	}
	h.Publish(vs)
	s, err := h.SubscribeSince("demo", t0.Add(30*time.Second))
	require.NoError(t, err)
	var lines []int
	for len(s.C) > 0 {
		lines = append(lines, (<-s.C).Line)
	}
	assert.Equal(t, []int{30, 32, 34, 36, 38}, lines)
	none, err := h.Subscribe("demo")
	require.NoError(t, err)
	assert.Empty(t, none.C, "no replay without a time")
}

// dropTally is a DropCounter for tests.
type dropTally struct {
	mu sync.Mutex
	n  map[report.DropReason]int
}

func (d *dropTally) Dropped(r report.DropReason, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == nil {
		d.n = map[report.DropReason]int{}
	}
	d.n[r] += n
}

func (d *dropTally) count(r report.DropReason) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[r]
}

// TestQueueDropsAreCountedNotLoggedOneByOne: a full queue tells its
// DropCounter, and without one writes a single summary line on Close
// however many batches it refused.
func TestQueueDropsAreCountedNotLoggedOneByOne(t *testing.T) {
	t.Run("to the server's counter", func(t *testing.T) {
		rec := &blockingRecorder{entered: make(chan int), release: make(chan struct{})}
		tally := &dropTally{}
		q := NewQueue(rec, QueueOptions{Size: 1, BatchSize: 1, Logger: discard(), Drops: tally})
		q.Add(context.Background(), batchOf(1, "a"))
		<-rec.entered
		q.Add(context.Background(), batchOf(1, "a")) // fills the queue
		for range 100 {
			q.Add(context.Background(), batchOf(3, "a"))
		}
		close(rec.release)
		go func() {
			for range rec.entered {
			}
		}()
		require.NoError(t, q.Close(context.Background()))
		close(rec.entered)
		assert.Equal(t, 300, tally.n[report.DropQueueFull])
		assert.EqualValues(t, 300, q.Stats().Dropped)
	})
	t.Run("its own summary", func(t *testing.T) {
		var out syncbuf.Buffer
		rec := &blockingRecorder{entered: make(chan int), release: make(chan struct{})}
		q := NewQueue(rec, QueueOptions{Size: 1, BatchSize: 1, FlushInterval: time.Millisecond, Logger: out.JSONLogger(slog.LevelInfo)})
		q.Add(context.Background(), batchOf(1, "a"))
		<-rec.entered
		q.Add(context.Background(), batchOf(1, "a"))
		for range 100 {
			q.Add(context.Background(), batchOf(3, "a"))
		}
		close(rec.release)
		go func() {
			for range rec.entered {
			}
		}()
		require.NoError(t, q.Close(context.Background()))
		close(rec.entered)
		lines := out.TakeJSON(t)
		require.Len(t, lines, 1, "one summary line, written on Close")
		assert.Equal(t, "csp reports summary", lines[0]["msg"])
		assert.EqualValues(t, 300, lines[0]["queue_full_violations"])
	})
}
