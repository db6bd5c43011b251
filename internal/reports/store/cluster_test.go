package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/testsupport/dbtest"
)

// instances opens n stores on n handles of one new database of engine e,
// as n instances of the kit on one DATABASE_URL (or, for SQLite, n
// processes on one DATA_DIR) would be.
func instances(t *testing.T, e dbtest.Engine, n int, o Options) []*SQL {
	t.Helper()
	cfg := e.Config(t)
	out := make([]*SQL, n)
	for i := range out {
		out[i] = on(dbtest.Open(t, cfg), o)
	}
	return out
}

// TestInstancesWritingTheSameAggregates: two instances write the same
// aggregates at once, each also creating kinds the other creates too, in
// batches as their queues would: every count is exact, and each kind has
// one row.
func TestInstancesWritingTheSameAggregates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		st := instances(t, e, 2, Options{NewPerClient: 1_000_000})
		const writers, batches, kinds = 4, 25, 6 // writers per instance
		var wg sync.WaitGroup
		for i, s := range st {
			for w := range writers {
				wg.Go(func() {
					for b := range batches {
						// Each batch: every kind once, plus one report of kind 0.
						vs := make([]report.Violation, 0, kinds+1)
						for k := range kinds {
							v := violation("site", "script-src-elem", "inline", fmt.Sprintf("http://x/k%d", k), "enforce", time.Duration(b)*time.Millisecond)
							v.Client = fmt.Sprintf("instance-%d-writer-%d", i, w)
							vs = append(vs, v)
						}
						vs = append(vs, vs[0])
						if !assert.NoError(t, s.Record(ctx, vs, 1)) {
							return
						}
					}
				})
			}
		}
		wg.Wait()
		for i, s := range st {
			list, err := s.List(ctx, Filter{Limit: 100})
			require.NoError(t, err)
			counts := map[string]int64{}
			for _, a := range list {
				counts[a.DocumentPath] += a.Count
				assert.Zero(t, counts[a.DocumentPath]-a.Count, "one row for %s", a.DocumentPath)
			}
			want := map[string]int64{}
			for k := range kinds {
				want[fmt.Sprintf("/k%d", k)] = 2 * writers * batches
			}
			want["/k0"] *= 2
			assert.Equal(t, want, counts, "as instance %d reads them", i)
			n, err := s.NoiseCount(ctx)
			require.NoError(t, err)
			assert.EqualValues(t, 2*writers*batches, n)
		}
	})
}

// TestBudgetAndCapAreClusterWide: one client's new kinds, written through
// two instances at once, are refused past NewPerClient in all (when both
// instances name the client alike), and the row cap holds across them.
func TestBudgetAndCapAreClusterWide(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		t.Run("budget", func(t *testing.T) {
			st := instances(t, e, 2, Options{NewPerClient: 30})
			var wg sync.WaitGroup
			for i, s := range st {
				wg.Go(func() {
					for b := range 10 {
						vs := make([]report.Violation, 5)
						for k := range vs {
							vs[k] = from("flooder", i*1000+b*10+k, 0)
						}
						assert.NoError(t, s.Record(ctx, vs, 0))
					}
				})
			}
			wg.Wait()
			assert.Equal(t, 30, rowsOf(t, st[0], "flooder"))
			assert.EqualValues(t, 2*10*5-30, st[0].Refused()+st[1].Refused(), "each instance counts what it refused")
		})
		t.Run("cap", func(t *testing.T) {
			st := instances(t, e, 2, Options{MaxRows: 40})
			var wg sync.WaitGroup
			for i, s := range st {
				wg.Go(func() {
					for b := range 10 {
						vs := make([]report.Violation, 5)
						for k := range vs {
							vs[k] = from(fmt.Sprintf("client-%d-%d", i, b), i*1000+b*10+k, 0)
						}
						assert.NoError(t, s.Record(ctx, vs, 0))
					}
				})
			}
			wg.Wait()
			var total int
			require.NoError(t, st[1].db.QueryRow("SELECT count(*) FROM violations").Scan(&total))
			assert.Equal(t, 40, total, "the cap, exactly")
		})
	})
}

// TestLongestKeys: an aggregate whose key fields are all at the
// receiver's caps, with a document path that escaping makes three times
// longer, is stored and listed (PostgreSQL indexes the key: it must fit an
// index entry).
func TestLongestKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		s := open(t, e, Options{})
		long := func(prefix, unit string, max int) string {
			return prefix + strings.Repeat(unit, (max-len(prefix))/len(unit))
		}
		v := violation(long("g", "g", report.MaxGroupLen), long("d", "d", report.MaxDirectiveLen),
			long("https://cdn.example/", "b", report.MaxURLLen), long("https://x/", "é", report.MaxURLLen), "enforce", 0)
		v.Sample = long("", "s", report.MaxSampleLen)
		v.UserAgent = long("", "u", report.MaxUserAgentLen)
		require.NoError(t, s.Record(ctx, []report.Violation{v, v}, 0))
		got, err := s.List(ctx, Filter{})
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.EqualValues(t, 2, got[0].Count)
		assert.Equal(t, v.BlockedURL, got[0].BlockedURL)
		assert.Greater(t, len(got[0].DocumentPath), 2*report.MaxURLLen, "escaped: %%C3%%A9 for each é")
	})
}
