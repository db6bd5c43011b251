package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/testsupport/dbtest"
)

// from is a violation of a distinct kind (its blocked URL) sent by client
// at t0+at.
func from(client string, kind int, at time.Duration) report.Violation {
	v := violation("site", "script-src-elem", fmt.Sprintf("https://evil.example/%d.js", kind), "https://x/page", "enforce", at)
	v.Client = client
	return v
}

// burst sends batches of perBatch violations from client, each of a kind
// no one else sends (numbered from base), starting at t0+start, 10 ms
// apart, as the queue would hand them over.
func burst(t *testing.T, s *SQL, client string, base, batches, perBatch int, start time.Duration) {
	t.Helper()
	for b := range batches {
		at := start + time.Duration(b)*10*time.Millisecond
		vs := make([]report.Violation, perBatch)
		for i := range vs {
			vs[i] = from(client, base+b*perBatch+i, at)
		}
		require.NoError(t, s.Record(context.Background(), vs, 0))
	}
}

// rowsOf counts the stored aggregates of client.
func rowsOf(t *testing.T, s *SQL, client string) int {
	t.Helper()
	var n int
	require.NoError(t, s.db.QueryRow("SELECT count(*) FROM violations WHERE client = $1", client).Scan(&n))
	return n
}

// TestEarlierAggregatesSurviveAFlood reproduces issue 13's attack: one
// client sent 100 distinct 100-violation batches in half a second, and
// pruning by least recently seen evicted every earlier aggregate, the real
// site's row included; and issue 21's, the same from 100 clients. Now the
// site's rows stay, whether the flood is stopped by the per-client budget
// or by the cap, as long as they were seen more often than the flood's
// one-off kinds (twice is enough). Kinds seen once are the flood's to
// evict: the documented bound.
func TestEarlierAggregatesSurviveAFlood(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		tests := []struct {
			name     string
			o        Options
			siteRows int           // aggregates the real site's visitor created first
			siteSeen int           // how many times each was reported
			siteAge  time.Duration // how long before the flood they were created
			flooders int           // clients sending the flood, 100 batches between them
			perBatch int
			clock    time.Duration // the store's clock, after t0
			// what the site and the flood keep, and what the budget refused
			siteKept, floodRows, refused int
		}{
			{"one client, the budget stops it", Options{}, 1, 1, time.Second, 1, 100, time.Hour, 1, DefaultNewPerClient, 100*100 - DefaultNewPerClient},
			{"one client under a large budget, the cap stops it", Options{MaxRows: 60, NewPerClient: 100_000}, 1, 2, time.Second, 1, 100, time.Hour, 1, 59, 0},
			{"100 clients, the cap stops them", Options{MaxRows: 60}, 5, 2, time.Second, 100, 10, time.Hour, 5, 55, 0},
			{"100 clients, the site created more, long ago", Options{MaxRows: 60}, 20, 2, 48 * time.Hour, 100, 10, 49 * time.Hour, 20, 40, 0},
			{"100 clients, the site's kinds seen once go", Options{MaxRows: 60}, 5, 1, time.Second, 100, 10, time.Hour, 0, 60, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				tt.o.Now = func() time.Time { return t0.Add(tt.clock) }
				s := open(t, e, tt.o)
				ctx := context.Background()
				floodAt := tt.clock - time.Minute
				var site []report.Violation
				for i := range tt.siteRows {
					for range tt.siteSeen {
						site = append(site, from("visitor", -1-i, floodAt-tt.siteAge))
					}
				}
				require.NoError(t, s.Record(ctx, site, 0))

				for c := range tt.flooders {
					burst(t, s, fmt.Sprintf("flooder-%d", c), c*100*tt.perBatch, 100/tt.flooders, tt.perBatch, floodAt)
				}

				assert.Equal(t, tt.siteKept, rowsOf(t, s, "visitor"), "the site's aggregates")
				flood := 0
				for c := range tt.flooders {
					flood += rowsOf(t, s, fmt.Sprintf("flooder-%d", c))
				}
				assert.Equal(t, tt.floodRows, flood, "the flood's aggregates")
				assert.EqualValues(t, tt.refused, s.Refused())
				var total int
				require.NoError(t, s.db.QueryRow("SELECT count(*) FROM violations").Scan(&total))
				assert.LessOrEqual(t, total, s.o.MaxRows, "the cap holds")
			})
		}
	})
}

// TestBudgetPerClientAndWindow: a client's new kinds past NewPerClient in
// NewWindow are refused; reports of kinds already stored always count;
// another client has its own budget; the next window brings a new one;
// violations without a client are not budgeted.
func TestBudgetPerClientAndWindow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		s := open(t, e, Options{NewPerClient: 3, NewWindow: time.Minute})
		rec := func(vs ...report.Violation) { require.NoError(t, s.Record(ctx, vs, 0)) }

		rec(from("a", 1, 0), from("a", 2, 0), from("a", 3, 0), from("a", 4, 0))
		assert.Equal(t, 3, rowsOf(t, s, "a"))
		assert.EqualValues(t, 1, s.Refused())

		rec(from("a", 5, 30*time.Second), from("a", 1, 30*time.Second)) // a new kind, and an old one again
		assert.Equal(t, 3, rowsOf(t, s, "a"))
		assert.EqualValues(t, 2, s.Refused())
		list, err := s.List(ctx, Filter{Limit: 100})
		require.NoError(t, err)
		counts := map[string]int64{}
		for _, a := range list {
			counts[a.BlockedURL] += a.Count
		}
		assert.EqualValues(t, 2, counts["https://evil.example/1.js"], "an existing aggregate keeps counting past the budget")

		rec(from("b", 6, 30*time.Second))
		assert.Equal(t, 1, rowsOf(t, s, "b"), "each client has its own budget")

		rec(from("a", 7, 61*time.Second))
		assert.Equal(t, 4, rowsOf(t, s, "a"), "a new window, a new budget")

		var anon []report.Violation
		for i := range 10 {
			anon = append(anon, from("", 100+i, 0))
		}
		rec(anon...)
		assert.Equal(t, 10, rowsOf(t, s, ""), "no client, no budget")
	})
}

// TestRetentionByAge: an aggregate nobody reported for Retention is not
// listed, and is deleted on the next write; one reported again stays,
// however long ago it was first seen.
func TestRetentionByAge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		clock := t0.Add(time.Hour)
		s := open(t, e, Options{Now: func() time.Time { return clock }})
		require.NoError(t, s.Record(ctx, []report.Violation{
			violation("site", "script-src-elem", "inline", "https://x/old", "enforce", 0),
			violation("site", "script-src-elem", "inline", "https://x/kept", "enforce", 0),
		}, 0))

		clock = t0.Add(DefaultRetention - time.Hour)
		require.NoError(t, s.Record(ctx, []report.Violation{
			violation("site", "script-src-elem", "inline", "https://x/kept", "enforce", DefaultRetention-2*time.Hour),
		}, 0))

		clock = t0.Add(DefaultRetention + time.Hour) // /old was last seen more than 30 days ago
		paths := func() []string {
			list, err := s.List(ctx, Filter{})
			require.NoError(t, err)
			var out []string
			for _, a := range list {
				out = append(out, a.DocumentPath)
			}
			return out
		}
		assert.Equal(t, []string{"/kept"}, paths(), "not listed, even before any write")
		var n int
		require.NoError(t, s.db.QueryRow("SELECT count(*) FROM violations").Scan(&n))
		assert.Equal(t, 2, n, "still stored until the next write")

		require.NoError(t, s.Record(ctx, []report.Violation{
			violation("site", "style-src-elem", "inline", "https://x/new", "enforce", DefaultRetention+time.Hour),
		}, 0))
		require.NoError(t, s.db.QueryRow("SELECT count(*) FROM violations WHERE document_path = '/old'").Scan(&n))
		assert.Zero(t, n, "deleted on the next write")
		assert.Equal(t, []string{"/new", "/kept"}, paths())
	})
}

// TestRepeatedKindOutlivesAManyAddressFlood reproduces issue 21's attack:
// a kind the site's visitors reported 5 times, then 12,000 one-off kinds
// from 12,000 addresses (one IPv6 /50 holds that many /64s), each under
// its budget, in the queue's 512-violation batches. The repeated kind
// must stay; the cap holds.
func TestRepeatedKindOutlivesAManyAddressFlood(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		s := open(t, e, Options{})
		// The site's own kinds, all from one address (the developer's
		// browser): one reported 5 times, 19 once.
		var site []report.Violation
		for i := range 5 {
			site = append(site, from("visitor", -1, time.Duration(i)*time.Second))
		}
		for k := range 19 {
			site = append(site, from("visitor", -2-k, 5*time.Second))
		}
		require.NoError(t, s.Record(ctx, site, 0))

		const flood, batch = 12_000, 512
		for b := 0; b < flood; b += batch {
			vs := make([]report.Violation, 0, batch)
			for i := b; i < min(b+batch, flood); i++ {
				vs = append(vs, from(fmt.Sprintf("addr-%d", i), i, time.Minute+time.Duration(i)*time.Millisecond))
			}
			require.NoError(t, s.Record(ctx, vs, 0))
		}
		var total, kept int
		require.NoError(t, s.db.QueryRow("SELECT count(*) FROM violations").Scan(&total))
		require.NoError(t, s.db.QueryRow("SELECT count(*) FROM violations WHERE blocked_url = 'https://evil.example/-1.js'").Scan(&kept))
		assert.Equal(t, DefaultMaxRows, total, "the cap holds")
		assert.Equal(t, 1, kept, "the kind seen 5 times is kept")
	})
}
