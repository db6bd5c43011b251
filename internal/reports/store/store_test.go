package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/testsupport/dbtest"
	"github.com/noncekit/noncekit/internal/testsupport/pgtest"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func violation(group, dir, blocked, doc, disp string, at time.Duration) report.Violation {
	return report.Violation{
		Group: group, EffectiveDirective: dir, BlockedURL: blocked, DocumentURL: doc, Disposition: disp,
		Sample: "sample@" + at.String(), SourceFile: doc, Line: int(at / time.Second), Column: 9,
		UserAgent: "ua", ReceivedAt: t0.Add(at),
	}
}

// now is the store's clock in these tests, unless a test sets its own:
// an hour after t0, so every violation above is well within retention.
func now() time.Time { return t0.Add(time.Hour) }

// open returns a store on a new database of engine e, closed when the
// test ends.
func open(t *testing.T, e dbtest.Engine, o Options) *SQL {
	t.Helper()
	return on(e.New(t), o)
}

// on returns a store on db, with the tests' clock unless o has its own.
func on(db *sql.DB, o Options) *SQL {
	if o.Now == nil {
		o.Now = now
	}
	return New(db, o)
}

// Every test of this package runs on both engines (dbtest.Each); the
// PostgreSQL server is the test binary's.
func TestMain(m *testing.M) { pgtest.Main(m) }

func TestAggregatesByKindWithLatestSample(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		s := open(t, e, Options{})
		require.NoError(t, s.Record(ctx, []report.Violation{
			violation("demo", "script-src-elem", "inline", "http://x/demo?token=1", "enforce", 2*time.Second),
			violation("demo", "script-src-elem", "inline", "http://x/demo#frag", "enforce", 1*time.Second),
			violation("demo", "style-src-elem", "inline", "http://x/demo", "enforce", 3*time.Second),
		}, 0))
		// A later call: an older report must not replace the newer sample.
		require.NoError(t, s.Record(ctx, []report.Violation{
			violation("demo", "script-src-elem", "inline", "http://x/demo", "enforce", 5*time.Second),
			violation("demo", "script-src-elem", "inline", "http://x/demo", "enforce", 0),
		}, 0))
		got, err := s.List(ctx, Filter{})
		require.NoError(t, err)
		require.Len(t, got, 2)
		a := got[0]
		assert.Equal(t, "script-src-elem", a.Directive, "most recently seen first")
		assert.Equal(t, "/demo", a.DocumentPath, "query and fragment dropped")
		assert.EqualValues(t, 4, a.Count)
		assert.Equal(t, t0, a.FirstSeen)
		assert.Equal(t, t0.Add(5*time.Second), a.LastSeen)
		assert.Equal(t, "sample@5s", a.Sample)
		assert.Equal(t, 5, a.Line)
		assert.EqualValues(t, 1, got[1].Count)
	})
}

func TestNoiseIsCountedNotStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		s := open(t, e, Options{})
		n := violation("site", "script-src-elem", "chrome-extension", "http://x/", "enforce", 0)
		n.Noise = true
		require.NoError(t, s.Record(ctx, []report.Violation{n}, 3))
		got, err := s.List(ctx, Filter{})
		require.NoError(t, err)
		assert.Empty(t, got)
		c, err := s.NoiseCount(ctx)
		require.NoError(t, err)
		assert.EqualValues(t, 4, c)
	})
}

func TestFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		s := open(t, e, Options{})
		require.NoError(t, s.Record(ctx, []report.Violation{
			violation("site", "script-src-elem", "inline", "http://x/", "enforce", 1*time.Second),
			violation("demo", "script-src-elem", "inline", "http://x/demo", "enforce", 2*time.Second),
			violation("demo", "style-src-elem", "inline", "http://x/demo", "report", 3*time.Second),
			violation("demo", "script-src-elem", "eval", "http://x/demo", "report", 4*time.Second),
		}, 0))
		count := func(f Filter) int {
			got, err := s.List(ctx, f)
			require.NoError(t, err)
			return len(got)
		}
		assert.Equal(t, 4, count(Filter{}))
		assert.Equal(t, 3, count(Filter{Group: "demo"}))
		assert.Equal(t, 3, count(Filter{Directive: "script-src-elem"}))
		assert.Equal(t, 2, count(Filter{Disposition: "report"}))
		assert.Equal(t, 1, count(Filter{Group: "demo", Directive: "script-src-elem", Disposition: "report"}))
		assert.Equal(t, 0, count(Filter{Group: "nope"}))
		assert.Equal(t, 2, count(Filter{Limit: 2}))
	})
}

// TestCapEvictsTheLeastSeenOldestFirst: past MaxRows the aggregates
// seen the fewest times go first, and among those the least recently
// seen; reports of the ones kept keep counting.
func TestCapEvictsTheLeastSeenOldestFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		s := open(t, e, Options{MaxRows: 5})
		// seen reports the page's kind n times at second at.
		seen := func(page string, n int, at time.Duration) {
			t.Helper()
			vs := make([]report.Violation, n)
			for i := range vs {
				vs[i] = violation("site", "script-src-elem", "inline", "http://x/"+page, "enforce", at)
			}
			require.NoError(t, s.Record(ctx, vs, 0))
		}
		kept := func() map[string]int64 {
			t.Helper()
			got, err := s.List(ctx, Filter{Limit: 100})
			require.NoError(t, err)
			out := map[string]int64{}
			for _, a := range got {
				out[a.DocumentPath] = a.Count
			}
			return out
		}
		seen("a", 3, 1*time.Second)
		seen("b", 1, 2*time.Second)
		seen("c", 2, 3*time.Second)
		seen("d", 1, 4*time.Second)
		seen("e", 1, 5*time.Second)
		seen("f", 1, 6*time.Second)
		assert.Equal(t, map[string]int64{"/a": 3, "/c": 2, "/d": 1, "/e": 1, "/f": 1}, kept(), "b: seen once, before d, e and f")

		seen("d", 1, 7*time.Second)
		seen("g", 1, 8*time.Second)
		assert.Equal(t, map[string]int64{"/a": 3, "/c": 2, "/d": 2, "/f": 1, "/g": 1}, kept(), "e: d was seen again")

		// Ten one-off kinds in one batch: they displace the one-offs, the
		// oldest first, and then each other.
		var flood []report.Violation
		for i := range 10 {
			flood = append(flood, violation("site", "script-src-elem", "inline", fmt.Sprintf("http://x/flood%d", i), "enforce", 9*time.Second+time.Duration(i)*time.Millisecond))
		}
		require.NoError(t, s.Record(ctx, flood, 0))
		assert.Equal(t, map[string]int64{"/a": 3, "/c": 2, "/d": 2, "/flood8": 1, "/flood9": 1}, kept())
	})
}

func TestSurvivesRestart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		cfg := e.Config(t)
		db := dbtest.Open(t, cfg)
		require.NoError(t, on(db, Options{}).Record(ctx, []report.Violation{violation("demo", "script-src-elem", "inline", "http://x/demo", "enforce", 0)}, 2))
		require.NoError(t, db.Close())

		s := on(dbtest.Open(t, cfg), Options{})
		got, err := s.List(ctx, Filter{})
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, "demo", got[0].Group)
		n, err := s.NoiseCount(ctx)
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
	})
}

func TestConcurrentWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		s := open(t, e, Options{})
		const writers, each = 8, 25
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					v := violation("site", "script-src-elem", "inline", fmt.Sprintf("http://x/w%d", w%2), "enforce", time.Duration(i)*time.Millisecond)
					assert.NoError(t, s.Record(ctx, []report.Violation{v}, 1))
				}
			})
			wg.Go(func() { _, err := s.List(ctx, Filter{}); assert.NoError(t, err) })
		}
		wg.Wait()
		got, err := s.List(ctx, Filter{})
		require.NoError(t, err)
		var total int64
		for _, a := range got {
			total += a.Count
		}
		assert.EqualValues(t, writers*each, total)
		n, err := s.NoiseCount(ctx)
		require.NoError(t, err)
		assert.EqualValues(t, writers*each, n)
	})
}
