package showcase

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/report"
)

// TestViewsAreBounded: however many page views and reports arrive, the
// store holds at most maxViews views of maxViewReports reports each,
// forgets the oldest views first and any view after viewLifetime, and
// keeps no noise.
func TestViewsAreBounded(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	v := newViews()
	v.now = func() time.Time { return now }
	first := v.register()
	for range maxViews {
		v.register()
	}
	_, ok := v.list(first)
	assert.False(t, ok, "the oldest view made room")
	assert.Len(t, v.byID, maxViews)

	id := v.register()
	flood := make([]report.Violation, 3*maxViewReports)
	flood[0].Noise = true
	for range 5 {
		v.add(id, flood)
	}
	got, ok := v.list(id)
	require.True(t, ok)
	assert.Len(t, got, maxViewReports)

	now = now.Add(viewLifetime + time.Second)
	fresh := v.register()
	_, ok = v.list(id)
	assert.False(t, ok, "an expired view is forgotten")
	assert.Len(t, v.byID, 1)
	_, ok = v.list(fresh)
	assert.True(t, ok)
	assert.True(t, validViewID(fresh))
	for _, bad := range []string{"", "abc", fresh + "A", fresh[:25] + "1", fresh[:25] + "a"} {
		assert.False(t, validViewID(bad), bad)
	}
}
