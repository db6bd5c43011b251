package report

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// LogSink defaults.
const (
	// DefaultLogInterval is how often a kind of violation may get a line.
	DefaultLogInterval = time.Minute
	// DefaultLogMaxKinds is how many kinds of violation get their own line
	// per interval. A line is at most about 2.5 KiB (every field is
	// capped), so even forged reports with every field at its cap write
	// under 90 KiB in any span of one interval (see LogSink).
	DefaultLogMaxKinds = 16
)

// LogSink logs violations as aggregates. Real violations are logged at
// warn level: on a strict-CSP site each one is either a bug in the site's
// markup or a blocked injection. Noise is logged at debug level, and only
// when that level is enabled.
//
// The threat: anyone may post reports, and a line per violation lets one
// client within its rate limit write about 1 MB/s of log (a flood from 250
// addresses wrote 557 MB in 65 s), filling the disk or drowning every
// other line. So a kind of violation (its AggregateKey) gets at most one
// line per Interval, and at most MaxKinds kinds get lines per Interval:
//
//   - The first violation of a kind is logged at once, with count=1, so a
//     developer or an operator sees a new violation when it happens.
//   - More of that kind within the interval are only counted. When the
//     interval ends, one line carries their count and the latest example's
//     details, and counts as that kind's line for the next interval.
//   - Past MaxKinds kinds in an interval, violations are only counted.
//   - What was dropped before reaching the sinks (see DropReason), the
//     violations past MaxKinds and the Reporting API entries that were not
//     CSP violations are reported together, in one summary line per
//     interval in which any happened.
//
// So an interval writes at most MaxKinds violation lines and one summary
// line; as the lines of one interval's end and of the next one's start
// can fall in one span, any span of one Interval holds at most twice that.
// The log is for noticing; the dashboard (the store) has every violation,
// and the summary's not_itemised count says when to look there. Intervals end lazily, at the first call after the interval,
// and by a timer when the sink goes quiet; Close (or Flush) writes what is
// pending, so nothing is lost on a clean shutdown.
//
// The fields are already scrubbed, capped and escaped by normalisation,
// so they go to the handler as they are.
//
// Set the options before the first Add and do not change them after. Use
// a LogSink through a pointer: it holds the interval's counts.
type LogSink struct {
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Interval is how often a kind of violation may get a line. Default
	// DefaultLogInterval.
	Interval time.Duration
	// MaxKinds is how many kinds of violation get their own line per
	// interval. Default DefaultLogMaxKinds.
	MaxKinds int
	// Now is the clock. Default time.Now; tests set a fake one.
	Now func() time.Time

	mu       sync.Mutex
	start    time.Time // when the current interval began; zero before the first call
	kinds    map[AggregateKey]*kind
	order    []AggregateKey // kinds' keys in first-seen order, for a stable output
	unlisted int64          // violations past MaxKinds this interval
	ignored  int64          // Reporting API entries that were not CSP violations
	drops    [numDropReasons]int64
	timer    *time.Timer
	closed   bool
}

// kind is one aggregate with a line in the current interval.
type kind struct {
	folded int64     // violations since its last line
	latest Violation // the latest of them, for the next line's details
	level  slog.Level
}

// NewLogSink returns a LogSink on log (nil: slog.Default()) with the
// default options.
func NewLogSink(log *slog.Logger) *LogSink {
	return &LogSink{Logger: log}
}

func (s *LogSink) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *LogSink) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *LogSink) interval() time.Duration { return orDefault(s.Interval, DefaultLogInterval) }

// Add implements Sink.
func (s *LogSink) Add(ctx context.Context, b Batch) {
	l := s.logger()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roll(s.now(), false)
	maxKinds := orDefault(s.MaxKinds, DefaultLogMaxKinds)
	for i := range b.Violations {
		v := &b.Violations[i]
		level := slog.LevelWarn
		if v.Noise {
			level = slog.LevelDebug
		}
		if !l.Enabled(ctx, level) {
			continue
		}
		key := v.Key()
		if k := s.kinds[key]; k != nil {
			k.folded++
			k.latest = *v
			continue
		}
		if len(s.kinds) >= maxKinds {
			s.unlisted++
			continue
		}
		if s.kinds == nil {
			s.kinds = map[AggregateKey]*kind{}
		}
		s.kinds[key] = &kind{level: level}
		s.order = append(s.order, key)
		logViolation(ctx, l, level, v, 1)
	}
	s.ignored += int64(b.Ignored)
	s.drops[DropPastMaxEntries] += int64(b.Dropped)
	s.arm()
}

// Dropped implements DropCounter.
func (s *LogSink) Dropped(reason DropReason, n int) {
	if reason >= numDropReasons || n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roll(s.now(), false)
	s.drops[reason] += int64(n)
	s.arm()
}

// Flush ends the current interval now: it writes the pending counts and
// the summary line.
func (s *LogSink) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roll(s.now(), true)
}

// Close writes what is pending (see Flush) and stops the timer. A LogSink
// still takes violations after Close, but only the next Add, Flush or
// Close writes their counts; the server closes it once the HTTP server has
// shut down.
func (s *LogSink) Close(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.roll(s.now(), true)
	return nil
}

// roll ends the interval if it is over (or force is set): a line per kind
// with counts, then the summary. The kinds with a line carry over to the
// new interval, the others are forgotten. s.mu must be held.
func (s *LogSink) roll(now time.Time, force bool) {
	if s.start.IsZero() {
		s.start = now
		return
	}
	if !force && now.Sub(s.start) < s.interval() {
		return
	}
	ctx := context.Background()
	l := s.logger()
	order := s.order[:0]
	for _, key := range s.order {
		k := s.kinds[key]
		if k.folded == 0 {
			delete(s.kinds, key)
			continue
		}
		logViolation(ctx, l, k.level, &k.latest, k.folded)
		k.folded, k.latest = 0, Violation{}
		order = append(order, key)
	}
	clear(s.order[len(order):])
	s.order = order
	s.summarise(ctx, l, now)
	s.start = now
}

// summarise writes the summary line of the interval ending at now, if
// anything was dropped, left unlisted or ignored, and resets the counts.
func (s *LogSink) summarise(ctx context.Context, l *slog.Logger, now time.Time) {
	dropped := false
	for _, n := range s.drops {
		dropped = dropped || n > 0
	}
	if !dropped && s.unlisted == 0 && s.ignored == 0 {
		return
	}
	level := slog.LevelInfo
	if dropped || s.unlisted > 0 {
		level = slog.LevelWarn
	}
	attrs := make([]slog.Attr, 0, 4+len(s.drops))
	attrs = append(attrs, slog.Duration("interval", now.Sub(s.start).Round(time.Millisecond)))
	if s.unlisted > 0 {
		attrs = append(attrs, slog.Int64("not_itemised", s.unlisted),
			slog.Int("max_kinds", orDefault(s.MaxKinds, DefaultLogMaxKinds)))
	}
	if s.ignored > 0 {
		attrs = append(attrs, slog.Int64("ignored_entries", s.ignored))
	}
	for r, n := range s.drops {
		if n > 0 {
			attrs = append(attrs, slog.Int64(DropReason(r).String(), n))
		}
	}
	l.LogAttrs(ctx, level, "csp reports summary", attrs...)
	s.unlisted, s.ignored = 0, 0
	s.drops = [numDropReasons]int64{}
}

// pending reports whether the next roll has anything to write. s.mu must
// be held.
func (s *LogSink) pending() bool {
	if s.unlisted > 0 || s.ignored > 0 {
		return true
	}
	for _, n := range s.drops {
		if n > 0 {
			return true
		}
	}
	for _, k := range s.kinds {
		if k.folded > 0 {
			return true
		}
	}
	return false
}

// arm starts the timer that ends the interval when no call comes to do
// it, if something is pending and the timer is not already running. s.mu
// must be held.
func (s *LogSink) arm() {
	if s.closed || s.timer != nil || !s.pending() {
		return
	}
	wait := s.interval() - s.now().Sub(s.start)
	s.timer = time.AfterFunc(max(wait, time.Millisecond), s.tick)
}

func (s *LogSink) tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timer = nil
	s.roll(s.now(), false)
	s.arm()
}

func logViolation(ctx context.Context, l *slog.Logger, level slog.Level, v *Violation, count int64) {
	l.LogAttrs(ctx, level, "csp violation",
		slog.String("group", v.Group),
		slog.String("directive", v.EffectiveDirective),
		slog.String("blocked", v.BlockedURL),
		slog.String("document", v.DocumentURL),
		slog.String("disposition", v.Disposition),
		slog.Int64("count", count),
		slog.String("source", v.SourceFile),
		slog.Int("line", v.Line),
		slog.Int("column", v.Column),
		slog.String("sample", v.Sample),
		slog.Int("status", v.StatusCode),
		slog.String("user_agent", v.UserAgent),
		slog.Bool("noise", v.Noise),
	)
}

// Sinks hands each batch to every sink in order, for a server that both
// logs and stores violations. The sinks must not change the batch.
type Sinks []Sink

// Add implements Sink.
func (ss Sinks) Add(ctx context.Context, b Batch) {
	for _, s := range ss {
		s.Add(ctx, b)
	}
}

// Dropped implements DropCounter: it tells each sink that counts drops.
func (ss Sinks) Dropped(reason DropReason, n int) {
	for _, s := range ss {
		if dc, ok := s.(DropCounter); ok {
			dc.Dropped(reason, n)
		}
	}
}
