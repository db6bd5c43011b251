package reports

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/logsummary"
)

// Recorder stores violations; the store package's Store satisfies it.
// Violations flagged Noise are counted as noise, like the noise argument.
type Recorder interface {
	Record(ctx context.Context, vs []report.Violation, noise int) error
}

// Publisher hears about violations once they are stored; Hub satisfies it.
// Publish must not block.
type Publisher interface {
	Publish(vs []report.Violation)
}

// Queue defaults. A Violation is at most about 2.5 KiB once normalised
// (every string field is capped), so DefaultQueueSize bounds the queue's
// memory at about 10 MiB whatever the senders do.
const (
	DefaultQueueSize     = 4096
	DefaultBatchSize     = 512
	DefaultFlushInterval = 100 * time.Millisecond
	// DefaultWriteShare: the writer leaves the store free at least half
	// the time.
	DefaultWriteShare = 0.5
	// DefaultRetryFor: a database that is away for a restart or a
	// failover (seconds) loses nothing that fits in the queue.
	DefaultRetryFor = 30 * time.Second
	// flushTimeout bounds one write to the store.
	flushTimeout = 5 * time.Second
	// maxRetryWait caps the wait between two attempts at a batch.
	maxRetryWait = 2 * time.Second
)

// QueueOptions tunes NewQueue; the zero value gives the defaults.
type QueueOptions struct {
	// Size is how many violations may wait for the store.
	Size int
	// BatchSize is how many violations one store write takes at most.
	BatchSize int
	// FlushInterval is how long a violation may wait for a batch to fill,
	// and how long the writer waits before its first retry of a batch the
	// store refused (each wait after it doubles, up to 2 s).
	FlushInterval time.Duration
	// WriteShare is the largest share of its time the writer spends
	// writing while reports keep coming: after a write that took d, it
	// waits d*(1-WriteShare)/WriteShare before the next one. The threat:
	// SQLite has one write lock for the whole file, which the session
	// store needs too; a writer waiting for it polls (busy_timeout), and
	// a report writer that takes it back at once, batch after batch, kept
	// sign-in waiting past its timeout during a flood (issue 21: 503).
	// Leaving the lock free half the time lets the sessions in within a
	// write or two. 0 or less means DefaultWriteShare; 1 or more never
	// waits (PostgreSQL, whose report writes lock nothing the sessions
	// use).
	WriteShare float64
	// RetryFor is how long the writer keeps trying a batch the store
	// refuses (the database is away) before it gives up on it, counting
	// it as failed. Meanwhile new violations wait in the queue, up to
	// Size, and past it are dropped and counted: a database back within
	// RetryFor loses nothing that fit. 0 or less means DefaultRetryFor.
	RetryFor time.Duration
	// Publisher, if set, is told about each batch after it is stored.
	Publisher Publisher
	// Logger receives store errors, summarised (package logsummary): a
	// line when writes start failing, one a minute while they go on, one
	// when they work again. Default slog.Default().
	Logger *slog.Logger
	// Drops counts the violations the queue refuses (DropQueueFull), for
	// one summary line per interval. Pass the server's LogSink to have one
	// summary line for every kind of drop. Default: a LogSink of the
	// queue's own on Logger, flushed by Close.
	Drops report.DropCounter
	// Now is the clock that times writes (for WriteShare) and retries
	// (for RetryFor). Default time.Now; tests set a fake one.
	Now func() time.Time
}

// Queue is the Sink that stands between the report endpoint and the store.
//
// The threat: the endpoint takes unauthenticated POSTs, and a store write
// (a disk sync) is far slower than parsing a report. If the handler wrote
// to the store itself, a flood would hold request goroutines, connections
// and memory until page requests starved. So Add never blocks: it puts
// violations on a bounded channel and, when that is full, drops them and
// counts the drop (Stats, and Drops for the log's summary line). One
// writer goroutine drains the channel and writes a batch per transaction,
// when BatchSize violations are waiting or FlushInterval after the first
// one arrived; it leaves the store to others between writes (WriteShare),
// and retries a batch the store refused (RetryFor). Noise is only
// counted.
type Queue struct {
	rec       Recorder
	pub       Publisher
	log       *slog.Logger
	errs      *logsummary.Errors
	drops     report.DropCounter
	ownDrops  *report.LogSink // drops, when the queue made it
	ch        chan report.Violation
	batchSize int
	interval  time.Duration
	restRatio float64 // rest after a write, per unit of its duration
	retryFor  time.Duration
	now       func() time.Time

	noise   atomic.Int64 // counted, not yet written
	dropped atomic.Int64
	stored  atomic.Int64
	failed  atomic.Int64
	retries atomic.Int64
	closed  atomic.Bool

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	// abort ends the writer's waits and writes when Close stops waiting
	// for it.
	abort       context.Context
	cancelAbort context.CancelFunc
}

// QueueStats are the queue's counters since it started.
type QueueStats struct {
	Waiting int   // violations in the queue now
	Dropped int64 // refused because the queue was full or closed
	Stored  int64 // written to the store (noise excluded)
	Failed  int64 // lost to store errors: given up after RetryFor, or at Close
	Retries int64 // writes the store refused that were tried again
}

// NewQueue starts a queue writing to rec. Close it to flush and stop it.
func NewQueue(rec Recorder, o QueueOptions) *Queue {
	q := &Queue{
		rec:       rec,
		pub:       o.Publisher,
		log:       o.Logger,
		ch:        make(chan report.Violation, orDefault(o.Size, DefaultQueueSize)),
		batchSize: orDefault(o.BatchSize, DefaultBatchSize),
		interval:  orDefault(o.FlushInterval, DefaultFlushInterval),
		retryFor:  orDefault(o.RetryFor, DefaultRetryFor),
		now:       o.Now,
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	if q.log == nil {
		q.log = slog.Default()
	}
	if q.now == nil {
		q.now = time.Now
	}
	share := o.WriteShare
	if share <= 0 {
		share = DefaultWriteShare
	}
	q.restRatio = max(0, (1-share)/share)
	q.errs = &logsummary.Errors{Logger: q.log, What: "csp reports: store write", Now: q.now}
	q.abort, q.cancelAbort = context.WithCancel(context.Background())
	q.drops = o.Drops
	if q.drops == nil {
		q.ownDrops = report.NewLogSink(q.log)
		q.drops = q.ownDrops
	}
	go q.run()
	return q
}

// orDefault is v, or def when v is zero or negative: an option left unset
// (or set to nonsense) gets its default.
func orDefault[T ~int | ~int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Add implements Sink. It never blocks.
func (q *Queue) Add(_ context.Context, b report.Batch) {
	if q.closed.Load() {
		q.drop(len(b.Violations) - b.Noise)
		return
	}
	dropped := 0
	for i := range b.Violations {
		if b.Violations[i].Noise {
			continue
		}
		select {
		case q.ch <- b.Violations[i]:
		default:
			dropped++
		}
	}
	q.drop(dropped)
	if b.Noise > 0 {
		q.noise.Add(int64(b.Noise))
	}
}

func (q *Queue) drop(n int) {
	if n > 0 {
		q.dropped.Add(int64(n))
		q.drops.Dropped(report.DropQueueFull, n)
	}
}

// Stats returns the queue's counters.
func (q *Queue) Stats() QueueStats {
	return QueueStats{Waiting: len(q.ch), Dropped: q.dropped.Load(), Stored: q.stored.Load(), Failed: q.failed.Load(),
		Retries: q.retries.Load()}
}

// Close stops taking violations, writes those waiting (without resting
// between writes, retrying as usual), and returns when the writer has
// stopped or ctx ends; then the writer gives up on what is left, counting
// it as failed. Last it writes the drop summary if the queue counts its
// drops itself.
func (q *Queue) Close(ctx context.Context) error {
	q.closeOnce.Do(func() {
		q.closed.Store(true)
		close(q.stop)
	})
	select {
	case <-q.done:
	case <-ctx.Done():
		q.cancelAbort()
		return ctx.Err()
	}
	q.cancelAbort()
	if q.ownDrops != nil {
		return q.ownDrops.Close(ctx)
	}
	return nil
}

func (q *Queue) run() {
	defer close(q.done)
	buf := make([]report.Violation, 0, q.batchSize)
	timer := time.NewTimer(q.interval)
	timer.Stop()
	armed := false
	rest := time.NewTimer(q.interval)
	rest.Stop()
	resting := false
	flush := func(mayRest bool) {
		if armed {
			timer.Stop()
			armed = false
		}
		took := q.write(buf)
		clear(buf) // let the strings go
		buf = buf[:0]
		if d := time.Duration(float64(took) * q.restRatio); mayRest && d > 0 {
			rest.Reset(d)
			resting = true
		}
	}
	for {
		in := q.ch
		if resting {
			// Another writer's turn: reports wait in the channel.
			in = nil
		}
		select {
		case v := <-in:
			buf = append(buf, v)
			if len(buf) >= q.batchSize {
				flush(true)
			} else if !armed {
				timer.Reset(q.interval)
				armed = true
			}
		case <-timer.C:
			armed = false
			flush(true)
		case <-rest.C:
			resting = false
		case <-q.stop:
			// This goroutine is the only reader, so len > 0 means a
			// receive cannot block.
			for len(q.ch) > 0 {
				if q.abort.Err() != nil {
					// Close stopped waiting: what is left is lost.
					for len(q.ch) > 0 {
						<-q.ch
						q.failed.Add(1)
					}
					break
				}
				buf = append(buf, <-q.ch)
				if len(buf) >= q.batchSize {
					flush(false)
				}
			}
			flush(false)
			q.errs.Flush(context.Background())
			return
		}
	}
}

// write stores buf and the pending noise in one store call, trying again
// while the store refuses, for up to RetryFor; it returns how long the
// write that succeeded took (0 when there was nothing to write or it gave
// up).
func (q *Queue) write(buf []report.Violation) time.Duration {
	noise := int(q.noise.Swap(0))
	if len(buf) == 0 && noise == 0 {
		return 0
	}
	ctx := context.Background()
	var first time.Time
	wait := q.interval
	for {
		start := q.now()
		err := q.record(buf, noise)
		if err == nil {
			took := q.now().Sub(start)
			q.errs.Succeeded(ctx)
			q.stored.Add(int64(len(buf)))
			if q.pub != nil && len(buf) > 0 {
				q.pub.Publish(buf)
			}
			return took
		}
		q.errs.Failed(ctx, err, len(buf), slog.Int("noise", noise))
		if first.IsZero() {
			first = start
		}
		if q.now().Sub(first) >= q.retryFor || !q.pause(wait) {
			q.failed.Add(int64(len(buf)))
			q.errs.Flush(ctx)
			q.log.Error("csp reports: gave up a batch the store kept refusing",
				slog.Int("violations", len(buf)), slog.Int("noise", noise),
				slog.Duration("retried_for", q.now().Sub(first).Round(time.Millisecond)))
			return 0
		}
		q.retries.Add(1)
		wait = min(2*wait, maxRetryWait)
	}
}

// record is one attempt at writing buf and noise, bounded by flushTimeout
// and ended by an abort.
func (q *Queue) record(buf []report.Violation, noise int) error {
	ctx, cancel := context.WithTimeout(q.abort, flushTimeout)
	defer cancel()
	return q.rec.Record(ctx, buf, noise)
}

// pause waits d before the next attempt; it returns false, at once, when
// Close has stopped waiting for the writer.
func (q *Queue) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-q.abort.Done():
		return false
	}
}
