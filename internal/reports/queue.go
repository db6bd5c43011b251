package reports

import (
	"github.com/noncekit/noncekit/csp/report"

	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
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
	// flushTimeout bounds one write to the store.
	flushTimeout = 5 * time.Second
)

// QueueOptions tunes NewQueue; the zero value gives the defaults.
type QueueOptions struct {
	// Size is how many violations may wait for the store.
	Size int
	// BatchSize is how many violations one store write takes at most.
	BatchSize int
	// FlushInterval is how long a violation may wait for a batch to fill.
	FlushInterval time.Duration
	// Publisher, if set, is told about each batch after it is stored.
	Publisher Publisher
	// Logger receives store errors. Default slog.Default().
	Logger *slog.Logger
	// Drops counts the violations the queue refuses (DropQueueFull), for
	// one summary line per interval. Pass the server's LogSink to have one
	// summary line for every kind of drop. Default: a LogSink of the
	// queue's own on Logger, flushed by Close.
	Drops report.DropCounter
}

// Queue is the Sink that stands between the report endpoint and the store.
//
// The threat: the endpoint takes unauthenticated POSTs, and a store write
// (a disk sync) is far slower than parsing a report. If the handler wrote
// to the store itself, a flood would hold request goroutines, connections
// and memory until page requests starved. So Add never blocks: it puts
// violations on a bounded channel and, when that is full, drops them and
// counts the drop (Stats, and Drops for the log's summary line). One writer goroutine drains the channel and writes a
// batch per transaction, when BatchSize violations are waiting or
// FlushInterval after the first one arrived. Noise is only counted.
type Queue struct {
	rec       Recorder
	pub       Publisher
	log       *slog.Logger
	drops     report.DropCounter
	ownDrops  *report.LogSink // drops, when the queue made it
	ch        chan report.Violation
	batchSize int
	interval  time.Duration

	noise   atomic.Int64 // counted, not yet written
	dropped atomic.Int64
	stored  atomic.Int64
	failed  atomic.Int64
	closed  atomic.Bool

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// QueueStats are the queue's counters since it started.
type QueueStats struct {
	Waiting int   // violations in the queue now
	Dropped int64 // refused because the queue was full or closed
	Stored  int64 // written to the store (noise excluded)
	Failed  int64 // lost to store errors
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
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	if q.log == nil {
		q.log = slog.Default()
	}
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
	return QueueStats{Waiting: len(q.ch), Dropped: q.dropped.Load(), Stored: q.stored.Load(), Failed: q.failed.Load()}
}

// Close stops taking violations, writes those waiting, and returns when the
// writer has stopped or ctx ends; then it writes the drop summary if the
// queue counts its drops itself.
func (q *Queue) Close(ctx context.Context) error {
	q.closeOnce.Do(func() {
		q.closed.Store(true)
		close(q.stop)
	})
	select {
	case <-q.done:
	case <-ctx.Done():
		return ctx.Err()
	}
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
	flush := func() {
		if armed {
			timer.Stop()
			armed = false
		}
		q.flush(buf)
		clear(buf) // let the strings go
		buf = buf[:0]
	}
	for {
		select {
		case v := <-q.ch:
			buf = append(buf, v)
			if len(buf) >= q.batchSize {
				flush()
			} else if !armed {
				timer.Reset(q.interval)
				armed = true
			}
		case <-timer.C:
			armed = false
			flush()
		case <-q.stop:
			// This goroutine is the only reader, so len > 0 means a
			// receive cannot block.
			for len(q.ch) > 0 {
				buf = append(buf, <-q.ch)
				if len(buf) >= q.batchSize {
					flush()
				}
			}
			flush()
			return
		}
	}
}

// flush writes buf and the pending noise in one store call.
func (q *Queue) flush(buf []report.Violation) {
	noise := int(q.noise.Swap(0))
	if len(buf) == 0 && noise == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	if err := q.rec.Record(ctx, buf, noise); err != nil {
		q.failed.Add(int64(len(buf)))
		q.log.Error("csp reports: store write failed", slog.Int("violations", len(buf)), slog.Int("noise", noise), slog.Any("error", err))
		return
	}
	q.stored.Add(int64(len(buf)))
	if q.pub != nil && len(buf) > 0 {
		q.pub.Publish(buf)
	}
}
