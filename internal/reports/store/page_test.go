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

// TestPagesWalkTheListOnce: following Next from the first page lists
// every row once, in List's order, many of them last seen in the same
// millisecond; a filter holds on every page; the last page has no Next.
func TestPagesWalkTheListOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		s := open(t, e, Options{})
		var vs []report.Violation
		for i := range 250 {
			group := "site"
			if i%5 == 0 {
				group = "api"
			}
			// Ten kinds per millisecond.
			vs = append(vs, violation(group, "img-src", fmt.Sprintf("https://i%d.example/x", i), "http://x/", "enforce", time.Duration(i/10)*time.Millisecond))
		}
		require.NoError(t, s.Record(ctx, vs, 0))

		for _, f := range []Filter{{Limit: 100}, {Limit: 7, Group: "api"}, {Limit: 250}} {
			all, err := s.List(ctx, Filter{Group: f.Group, Limit: 1000})
			require.NoError(t, err)
			var walked []Aggregate
			pages := 0
			for {
				p, err := s.Page(ctx, f)
				require.NoError(t, err)
				pages++
				assert.LessOrEqual(t, len(p.Aggregates), f.Limit)
				walked = append(walked, p.Aggregates...)
				if p.Next.IsZero() {
					break
				}
				require.Less(t, pages, 100, "the walk ends")
				f.After = p.Next
			}
			assert.Equal(t, all, walked, "filter %+v", f)
			assert.Equal(t, (len(all)+f.Limit-1)/f.Limit, pages, "no empty last page")
		}
	})
}

// TestByCountListsTheMostReportedFirst, the most recently seen first among
// equals; a cursor only continues the listing by last seen.
func TestByCountListsTheMostReportedFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		s := open(t, e, Options{})
		seen := func(page string, n int, at time.Duration) {
			vs := make([]report.Violation, n)
			for i := range vs {
				vs[i] = violation("site", "script-src-elem", "inline", "http://x/"+page, "enforce", at)
			}
			require.NoError(t, s.Record(ctx, vs, 0))
		}
		seen("once-old", 1, time.Second)
		seen("thrice", 3, 2*time.Second)
		seen("once-new", 1, 3*time.Second)
		seen("twice", 2, 4*time.Second)
		got, err := s.List(ctx, Filter{Order: ByCount})
		require.NoError(t, err)
		var paths []string
		for _, a := range got {
			paths = append(paths, a.DocumentPath)
		}
		assert.Equal(t, []string{"/thrice", "/twice", "/once-new", "/once-old"}, paths)

		p, err := s.Page(ctx, Filter{Limit: 1})
		require.NoError(t, err)
		_, err = s.List(ctx, Filter{Order: ByCount, After: p.Next})
		assert.Error(t, err)
		_, err = s.List(ctx, Filter{Order: Order(7)})
		assert.Error(t, err)
	})
}

// TestParseCursor reads back what String writes, and refuses anything
// else with ErrBadCursor.
func TestParseCursor(t *testing.T) {
	c := Cursor{lastSeen: 1767323045000, id: 42}
	got, err := ParseCursor(c.String())
	require.NoError(t, err)
	assert.Equal(t, c, got)
	zero, err := ParseCursor("")
	require.NoError(t, err)
	assert.True(t, zero.IsZero())
	assert.Empty(t, Cursor{}.String())
	for _, bad := range []string{"x", "1", "1-", "-1", "1-0", "1-x", "-1-2", "1-2-3", "99999999999999999999-1", "1.5-2", " 1-2"} {
		_, err := ParseCursor(bad)
		assert.ErrorIs(t, err, ErrBadCursor, "%q", bad)
	}
}
