// Package logsummary keeps a failure that repeats from filling the log.
//
// The threat: when a database goes away, every write that needs it fails,
// and a line per failure turns a 2-second outage into thousands of ERROR
// lines (issue 21 counted 15,250), which bury the line that says what
// happened, cost disk and CPU while the server is already in trouble, and
// can be provoked on purpose. [Errors] logs the first failure at once, with
// its error; counts the ones after it; writes one line per interval while
// they go on, with the count and the last error; and one line when the
// operation succeeds again, with how many failed and for how long. A
// 2-second outage is two lines, however many writes failed.
package logsummary

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultInterval is how often, at most, a failure that goes on gets a
// line.
const DefaultInterval = time.Minute

// Errors summarises the failures of one operation ("csp reports: store
// write"). Set its fields before first use, or use New; it is safe for
// concurrent use.
type Errors struct {
	// Logger receives the lines. Default slog.Default().
	Logger *slog.Logger
	// What names the operation in every line: "<What> failed", "<What>
	// still failing", "<What> works again".
	What string
	// Interval is how often, at most, a failure that goes on gets a line.
	// Default DefaultInterval.
	Interval time.Duration
	// Now is the clock. Default time.Now; tests set a fake one.
	Now func() time.Time

	failing atomic.Bool // read without the lock by Succeeded, the common case
	mu      sync.Mutex
	since   time.Time // the first failure of this outage
	last    time.Time // the last line written
	counted int64     // failures since the last line
	total   int64     // failures since since
	items   int64     // the items they concerned (Failed's n), since the last line
	lastErr error
}

// New returns Errors for the operation what, logging to log.
func New(log *slog.Logger, what string) *Errors { return &Errors{Logger: log, What: what} }

func (e *Errors) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.Default()
}

func (e *Errors) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Errors) interval() time.Duration {
	if e.Interval > 0 {
		return e.Interval
	}
	return DefaultInterval
}

// Failed records a failure of the operation, which concerned n items (0
// when it counts none): the first of an outage is logged at once, at ERROR
// with err and attrs; later ones are counted, and one ERROR line per
// interval says how many.
func (e *Errors) Failed(ctx context.Context, err error, n int, attrs ...slog.Attr) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	if !e.failing.Load() {
		e.failing.Store(true)
		e.since, e.last, e.total = now, now, 1
		e.logger().LogAttrs(ctx, slog.LevelError, e.What+" failed",
			append([]slog.Attr{slog.Int("items", n), slog.Any("error", err)}, attrs...)...)
		return
	}
	e.counted++
	e.total++
	e.items += int64(n)
	e.lastErr = err
	if now.Sub(e.last) >= e.interval() {
		e.flush(ctx, now)
	}
}

// Succeeded records that the operation worked: after failures, one line
// says how many there were and how long they lasted. Without failures it
// costs one atomic load.
func (e *Errors) Succeeded(ctx context.Context) {
	if !e.failing.Load() {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.failing.Load() {
		return
	}
	now := e.now()
	attrs := []slog.Attr{slog.Int64("failures", e.total), slog.Duration("after", now.Sub(e.since).Round(time.Millisecond))}
	if e.lastErr != nil {
		attrs = append(attrs, slog.Any("last_error", e.lastErr))
	}
	e.logger().LogAttrs(ctx, slog.LevelWarn, e.What+" works again", attrs...)
	e.failing.Store(false)
	e.counted, e.items, e.lastErr = 0, 0, nil
}

// Flush writes the failures counted since the last line, if any: for a
// caller about to stop, or to give up.
func (e *Errors) Flush(ctx context.Context) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.flush(ctx, e.now())
}

// flush writes the "still failing" line for what was counted. e.mu must
// be held.
func (e *Errors) flush(ctx context.Context, now time.Time) {
	if e.counted == 0 {
		return
	}
	e.logger().LogAttrs(ctx, slog.LevelError, e.What+" still failing",
		slog.Int64("failures", e.counted), slog.Int64("items", e.items),
		slog.Duration("interval", now.Sub(e.last).Round(time.Millisecond)),
		slog.Duration("since_first", now.Sub(e.since).Round(time.Millisecond)),
		slog.Any("last_error", e.lastErr))
	e.counted, e.items, e.lastErr, e.last = 0, 0, nil, now
}
