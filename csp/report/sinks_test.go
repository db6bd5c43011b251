package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type countingSink struct{ batches []Batch }

func (c *countingSink) Add(_ context.Context, b Batch) { c.batches = append(c.batches, b) }

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 5, 6, 7, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logLines is a JSON log that tests read back line by line.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logLines) logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: level}))
}

// take returns the lines written since the last call, decoded.
func (l *logLines) take(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	l.buf.Reset()
	return out
}

func violation(blocked string) Violation {
	return Violation{Group: "site", EffectiveDirective: "script-src-elem", BlockedURL: blocked,
		DocumentURL: "https://example.com/page", Disposition: DispositionEnforce}
}

func batchOfViolations(vs ...Violation) Batch {
	var b Batch
	for _, v := range vs {
		b.add(v)
	}
	return b
}

// TestLogSinkFoldsAKindIntoOneLinePerInterval: the first violation of a
// kind is logged at once, the rest of the interval only counted, and the
// count is logged when the interval ends.
func TestLogSinkFoldsAKindIntoOneLinePerInterval(t *testing.T) {
	var out logLines
	clock := newFakeClock()
	s := &LogSink{Logger: out.logger(slog.LevelInfo), Now: clock.Now}
	ctx := context.Background()

	s.Add(ctx, batchOfViolations(violation("inline")))
	lines := out.take(t)
	require.Len(t, lines, 1, "the first of a kind is logged at once")
	assert.Equal(t, "WARN", lines[0]["level"])
	assert.Equal(t, "csp violation", lines[0]["msg"])
	assert.EqualValues(t, 1, lines[0]["count"])

	for range 9 {
		clock.Advance(time.Second)
		s.Add(ctx, batchOfViolations(violation("inline"), violation("inline")))
	}
	assert.Empty(t, out.take(t), "more of the kind within the interval are only counted")

	clock.Advance(DefaultLogInterval)
	s.Add(ctx, batchOfViolations(violation("inline")))
	lines = out.take(t)
	require.Len(t, lines, 1, "the interval's end writes the count")
	assert.EqualValues(t, 18, lines[0]["count"])
	assert.Equal(t, "inline", lines[0]["blocked"])

	require.NoError(t, s.Close(ctx))
	lines = out.take(t)
	require.Len(t, lines, 1, "Close writes what is pending")
	assert.EqualValues(t, 1, lines[0]["count"])

	require.NoError(t, s.Close(ctx))
	assert.Empty(t, out.take(t), "nothing is written twice")
}

func TestLogSinkKeysAggregates(t *testing.T) {
	var out logLines
	s := &LogSink{Logger: out.logger(slog.LevelInfo), Now: newFakeClock().Now}
	base := violation("inline")
	same := []func(*Violation){
		func(v *Violation) { v.DocumentURL = "http://other.example/page" }, // same path
		func(v *Violation) { v.SourceFile, v.Line, v.Column = "https://example.com/a.js", 3, 4 },
		func(v *Violation) { v.Sample, v.UserAgent, v.StatusCode = "x", "ua", 200 },
	}
	other := []func(*Violation){
		func(v *Violation) { v.Group = "admin" },
		func(v *Violation) { v.EffectiveDirective = "style-src-elem" },
		func(v *Violation) { v.BlockedURL = "eval" },
		func(v *Violation) { v.DocumentURL = "https://example.com/other" },
		func(v *Violation) { v.Disposition = DispositionReport },
	}
	s.Add(context.Background(), batchOfViolations(base))
	require.Len(t, out.take(t), 1)
	for i, f := range same {
		v := base
		f(&v)
		s.Add(context.Background(), batchOfViolations(v))
		assert.Empty(t, out.take(t), "same kind %d", i)
	}
	for i, f := range other {
		v := base
		f(&v)
		s.Add(context.Background(), batchOfViolations(v))
		assert.Len(t, out.take(t), 1, "other kind %d", i)
	}
}

// TestLogSinkCapsKindsPerInterval: distinct kinds past MaxKinds are only
// counted, in one summary line.
func TestLogSinkCapsKindsPerInterval(t *testing.T) {
	var out logLines
	clock := newFakeClock()
	s := &LogSink{Logger: out.logger(slog.LevelInfo), Now: clock.Now, MaxKinds: 5}
	for i := range 12 {
		s.Add(context.Background(), batchOfViolations(violation(fmt.Sprintf("https://cdn.example/%d.js", i))))
	}
	assert.Len(t, out.take(t), 5)
	s.Flush()
	lines := out.take(t)
	require.Len(t, lines, 1)
	assert.Equal(t, "csp reports summary", lines[0]["msg"])
	assert.Equal(t, "WARN", lines[0]["level"])
	assert.EqualValues(t, 7, lines[0]["not_itemised"])
	assert.EqualValues(t, 5, lines[0]["max_kinds"])

	// A new interval has room again: the five kinds that were quiet are
	// forgotten.
	clock.Advance(DefaultLogInterval)
	s.Add(context.Background(), batchOfViolations(violation("https://cdn.example/11.js")))
	assert.Len(t, out.take(t), 1)
}

func TestLogSinkSummarisesDrops(t *testing.T) {
	var out logLines
	clock := newFakeClock()
	s := &LogSink{Logger: out.logger(slog.LevelInfo), Now: clock.Now}
	for range 1000 {
		s.Dropped(DropRateLimited, 1)
		s.Dropped(DropClientBusy, 2)
	}
	s.Dropped(DropQueueFull, 0) // nothing
	s.Add(context.Background(), Batch{Ignored: 3, Dropped: 40})
	assert.Empty(t, out.take(t), "drops are counted, not logged one by one")

	clock.Advance(DefaultLogInterval)
	s.Dropped(DropServerBusy, 1) // ends the interval, counts in the next
	lines := out.take(t)
	require.Len(t, lines, 1)
	assert.Equal(t, "csp reports summary", lines[0]["msg"])
	assert.EqualValues(t, 1000, lines[0]["rate_limited_requests"])
	assert.EqualValues(t, 2000, lines[0]["client_busy_requests"])
	assert.EqualValues(t, 40, lines[0]["past_max_entries"])
	assert.EqualValues(t, 3, lines[0]["ignored_entries"])
	assert.NotContains(t, lines[0], "queue_full_violations")
	assert.NotContains(t, lines[0], "server_busy_requests")

	require.NoError(t, s.Close(context.Background()))
	lines = out.take(t)
	require.Len(t, lines, 1)
	assert.EqualValues(t, 1, lines[0]["server_busy_requests"])

	s.Flush()
	assert.Empty(t, out.take(t), "no summary for an interval with nothing dropped")
}

func TestLogSinkNoise(t *testing.T) {
	noise := violation("chrome-extension")
	noise.Noise = true
	t.Run("not logged above debug", func(t *testing.T) {
		var out logLines
		s := &LogSink{Logger: out.logger(slog.LevelInfo), Now: newFakeClock().Now, MaxKinds: 1}
		s.Add(context.Background(), batchOfViolations(noise, noise, violation("inline")))
		lines := out.take(t)
		require.Len(t, lines, 1, "noise takes no room from real violations")
		assert.Equal(t, "inline", lines[0]["blocked"])
	})
	t.Run("at debug", func(t *testing.T) {
		var out logLines
		s := &LogSink{Logger: out.logger(slog.LevelDebug), Now: newFakeClock().Now}
		s.Add(context.Background(), batchOfViolations(noise))
		lines := out.take(t)
		require.Len(t, lines, 1)
		assert.Equal(t, "DEBUG", lines[0]["level"])
		assert.Equal(t, true, lines[0]["noise"])
	})
}

// TestLogSinkFieldsAreEscaped: what normalisation escaped reaches the
// text log as it is, so the handler needs no quoting of its own.
func TestLogSinkFieldsAreEscaped(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	b, err := Parse("application/reports+json", []byte(`[
		{"type":"csp-violation","body":{"blockedURL":"https://evil.test/x.js","effectiveDirective":"script-src-elem","sample":"a\u001b[2Jb\nc"}}]`), testMeta)
	require.NoError(t, err)
	NewLogSink(log).Add(context.Background(), b)
	assert.Contains(t, buf.String(), `sample=a\x1b[2Jb\x0ac`)
	assert.NotContains(t, buf.String(), "\x1b")
}

// TestLogSinkTimerEndsAQuietInterval: with no call after the interval,
// the timer writes the pending count (on the real clock: a 10 ms
// interval, waited for by reading the log, not by sleeping).
func TestLogSinkTimerEndsAQuietInterval(t *testing.T) {
	r, w := newPipeLog()
	s := &LogSink{Logger: slog.New(slog.NewJSONHandler(w, nil)), Interval: 10 * time.Millisecond}
	defer s.Close(context.Background())
	s.Add(context.Background(), batchOfViolations(violation("inline"), violation("inline"), violation("inline")))
	first := <-r
	assert.Contains(t, first, `"count":1`)
	select {
	case second := <-r:
		assert.Contains(t, second, `"count":2`)
	case <-time.After(10 * time.Second):
		t.Fatal("the timer did not end the quiet interval")
	}
}

// newPipeLog returns a writer whose lines arrive on a channel.
func newPipeLog() (<-chan string, *chanWriter) {
	c := make(chan string, 16)
	return c, &chanWriter{c: c}
}

type chanWriter struct{ c chan string }

func (w *chanWriter) Write(p []byte) (int, error) {
	w.c <- string(p)
	return len(p), nil
}

// TestSinksLogAndStore: with a store configured, each violation still
// reaches the log, and the store gets the same batch; drops reach the
// sinks that count them.
func TestSinksLogAndStore(t *testing.T) {
	var out logLines
	stored := &countingSink{}
	ls := &LogSink{Logger: out.logger(slog.LevelInfo), Now: newFakeClock().Now}
	b := Batch{Violations: []Violation{violation("inline")}}
	ss := Sinks{ls, stored}
	ss.Add(context.Background(), b)
	ss.Dropped(DropServerBusy, 2)

	assert.Len(t, out.take(t), 1)
	assert.Equal(t, []Batch{b}, stored.batches)
	ls.Flush()
	lines := out.take(t)
	require.Len(t, lines, 1)
	assert.EqualValues(t, 2, lines[0]["server_busy_requests"])
}

// dropTally is a DropCounter for tests.
type dropTally struct {
	mu sync.Mutex
	n  map[DropReason]int
}

func (d *dropTally) Dropped(r DropReason, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == nil {
		d.n = map[DropReason]int{}
	}
	d.n[r] += n
}

func (d *dropTally) count(r DropReason) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[r]
}
