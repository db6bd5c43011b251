package reports

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCrashLossBound proves the bound docs/reports.md states: a 204 means
// the violations were handed to the queue (or dropped and counted when it
// was full), not stored. A crash loses what was queued and the one batch
// being written: at most DefaultQueueSize + DefaultBatchSize violations,
// however many were accepted before.
//
// No process is killed: the store write is held in flight, the queue is
// filled past capacity, and the counters are read at that instant, which
// is the worst moment for a crash. Then the write is released and a clean
// shutdown stores everything that was accepted.
func TestCrashLossBound(t *testing.T) {
	rec := &blockingRecorder{entered: make(chan int, 64), release: make(chan struct{})}
	// Defaults, except that a batch is written only when full: the worst
	// case, with no timer in play.
	q := NewQueue(rec, QueueOptions{FlushInterval: time.Hour})

	q.Add(context.Background(), batchOf(DefaultBatchSize, "site"))
	require.Equal(t, DefaultBatchSize, <-rec.entered, "a full batch is being written")
	const extra = 1000
	q.Add(context.Background(), batchOf(DefaultQueueSize+extra, "site"))

	st := q.Stats()
	sent := int64(DefaultBatchSize + DefaultQueueSize + extra)
	accepted := sent - st.Dropped
	persisted := st.Stored
	bound := int64(DefaultQueueSize + DefaultBatchSize)
	assert.EqualValues(t, extra, st.Dropped, "past the queue's capacity, dropped and counted")
	assert.Equal(t, DefaultQueueSize, st.Waiting)
	assert.LessOrEqual(t, accepted-persisted, bound, "a crash now loses at most the queue and one batch")
	assert.Equal(t, bound, accepted-persisted, "and this is the worst case, reached")

	doc, err := os.ReadFile("../../docs/reports.md")
	require.NoError(t, err)
	for _, want := range []string{
		fmt.Sprintf("%d,%03d violations", bound/1000, bound%1000),
		fmt.Sprintf("%d,%03d", DefaultQueueSize/1000, DefaultQueueSize%1000),
		fmt.Sprintf("%d ms", DefaultFlushInterval.Milliseconds()),
	} {
		assert.True(t, strings.Contains(string(doc), want), "docs/reports.md must state %q", want)
	}

	close(rec.release)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, q.Close(ctx))
	assert.EqualValues(t, accepted, q.Stats().Stored, "a clean shutdown stores every accepted violation")
}
