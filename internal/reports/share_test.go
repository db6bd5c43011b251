package reports

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/reports/store"
)

// newKinds are n violations of kinds no other call made, from as many
// clients: each a new row, as a many-address flood sends them.
func newKinds(from, n int) []report.Violation {
	vs := make([]report.Violation, n)
	for i := range vs {
		k := from + i
		vs[i] = report.Violation{Group: "site", EffectiveDirective: "img-src", Disposition: "enforce",
			BlockedURL: fmt.Sprintf("https://k%d.evil.example/x.gif", k), DocumentURL: "https://app.example/",
			Client: fmt.Sprintf("addr-%d", k), ReceivedAt: time.Now()}
	}
	return vs
}

// flood is a queue over a SQLite store whose table is at its cap, kept
// full of new kinds (topped up every 10 ms, far more than the writer can
// take), so that its writer writes batch after batch, each holding the
// database's one write lock for tens of milliseconds; and the session
// store on the same database, as the kit runs it (scs's sqlite3store).
// stop ends the flood and closes the queue.
func flood(tb testing.TB, share float64) (q *Queue, sessions *sqlite3store.SQLite3Store, stop func()) {
	tb.Helper()
	ctx := context.Background()
	db, _, err := database.Open(ctx, config.Config{DataDir: tb.TempDir()})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = db.Close() })
	st := store.New(db, store.Options{})
	next := 0
	for next < store.DefaultMaxRows {
		require.NoError(tb, st.Record(ctx, newKinds(next, DefaultBatchSize), 0))
		next += DefaultBatchSize
	}
	q = NewQueue(st, QueueOptions{Logger: discard(), WriteShare: share})
	done, flooded := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(flooded)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				n := DefaultQueueSize - q.Stats().Waiting
				q.Add(ctx, report.Batch{Violations: newKinds(next, n)})
				next += n
			}
		}
	}()
	// Wait until the writer is at work on full batches.
	require.Eventually(tb, func() bool { return q.Stats().Stored >= 4*DefaultBatchSize }, 30*time.Second, 10*time.Millisecond)
	return q, sqlite3store.NewWithCleanupInterval(db, 0), func() {
		close(done)
		<-flooded
		require.NoError(tb, q.Close(ctx))
	}
}

// commitSessions writes n sessions as sign-ins arrive, one every 5 ms (a
// write that runs long is followed at once by the next, already waiting),
// and returns the errors. waiting is called with true before the wait for
// the next arrival and with false after it, so a benchmark can leave the
// wait untimed.
func commitSessions(sessions *sqlite3store.SQLite3Store, n int, waiting func(bool)) []error {
	arrivals := time.NewTicker(5 * time.Millisecond)
	defer arrivals.Stop()
	var errs []error
	for i := range n {
		waiting(true)
		<-arrivals.C
		waiting(false)
		if err := sessions.Commit(fmt.Sprintf("token-%d", i), []byte("data"), time.Now().Add(time.Hour)); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// TestSessionsGetTheDatabaseDuringAFlood reproduces, on SQLite, what made
// sign-in answer 503 during issue 21's report flood: the session store
// waits for the one write lock by polling, up to the 5 s busy_timeout,
// while the report writer writes batch after batch. Every session write
// must get in (BenchmarkSessionWriteDuringAFlood times them).
func TestSessionsGetTheDatabaseDuringAFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a table to its cap and floods it")
	}
	q, sessions, stop := flood(t, 0)
	errs := commitSessions(sessions, 40, func(bool) {})
	stop()
	st := q.Stats()
	t.Logf("flood: %d stored, %d failed", st.Stored, st.Failed)
	assert.Empty(t, errs, "every session write got the lock")
	assert.Zero(t, st.Failed)
}

// BenchmarkSessionWriteDuringAFlood times one session write (ns/op), with
// sign-ins arriving every 5 ms, while the report writer is kept busy (see
// flood): at the default WriteShare, where the writer rests as long as
// each write took, and at 1, where it never rests, as before issue 21.
// busy/op is the share of writes that failed with SQLITE_BUSY after the
// 5 s busy_timeout, each a 503 for sign-in.
func BenchmarkSessionWriteDuringAFlood(b *testing.B) {
	for _, share := range []float64{DefaultWriteShare, 1} {
		b.Run(fmt.Sprintf("share=%v", share), func(b *testing.B) {
			_, sessions, stop := flood(b, share)
			defer stop()
			b.ResetTimer()
			// The wait for the next arrival is not timed.
			errs := commitSessions(sessions, b.N, func(waiting bool) {
				if waiting {
					b.StopTimer()
				} else {
					b.StartTimer()
				}
			})
			b.StopTimer()
			// SQLITE_BUSY after the 5 s busy_timeout: a 503 for sign-in.
			b.ReportMetric(float64(len(errs))/float64(b.N), "busy/op")
		})
	}
}
