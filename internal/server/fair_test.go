package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/reports"
	"github.com/noncekit/noncekit/internal/reports/store"
)

// TestAnotherClientsFloodKeepsEarlierReports reproduces issue 13's attack
// through the real receiver: one address sent 100 distinct 100-violation
// batches and every earlier aggregate was evicted. Now the earlier
// aggregate stays, the flood keeps only its budget of new aggregates, and
// what the store knows of each client is an opaque id, never its address.
func TestAnotherClientsFloodKeepsEarlierReports(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, t.TempDir())
	st := store.New(db, store.Options{})
	s, err := New(slog.New(slog.DiscardHandler), config.Config{ReportRate: 1e6, ReportBurst: 1e6}, Options{Reports: st,
		// Room for the whole flood: what is measured is the store's
		// fairness, not the queue's drops.
		Queue: reports.QueueOptions{Size: 20_000, FlushInterval: time.Millisecond}})
	require.NoError(t, err)

	post := func(remote, body string) {
		req := httptest.NewRequest(http.MethodPost, "/csp-report?group=site", strings.NewReader(body))
		req.RemoteAddr = remote
		req.Header.Set("Content-Type", "application/reports+json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		require.Equal(t, http.StatusNoContent, rec.Code)
	}
	post("198.51.100.1:5000", "["+fmt.Sprintf(reportToEntry, "https://cdn.example/widget.js")+"]")
	for b := range 100 {
		entries := make([]string, report.MaxEntries)
		for i := range entries {
			entries[i] = fmt.Sprintf(reportToEntry, fmt.Sprintf("https://evil.example/%d-%d.js", b, i))
		}
		post("203.0.113.9:6000", "["+strings.Join(entries, ",")+"]")
	}
	require.NoError(t, s.Close(ctx)) // writes everything queued

	list, err := st.List(ctx, store.Filter{Limit: 1_000})
	require.NoError(t, err)
	flood, site := 0, 0
	for _, a := range list {
		switch {
		case a.BlockedURL == "https://cdn.example/widget.js":
			site++
		case strings.HasPrefix(a.BlockedURL, "https://evil.example/"):
			flood++
		}
	}
	assert.Equal(t, 1, site, "the earlier aggregate survived the flood")
	assert.Equal(t, store.DefaultNewPerClient, flood, "the flood kept its budget of new aggregates")
	assert.EqualValues(t, 100*report.MaxEntries-store.DefaultNewPerClient, st.Refused())

	rows, err := db.QueryContext(ctx, "SELECT DISTINCT client FROM violations")
	require.NoError(t, err)
	defer rows.Close()
	var clients []string
	for rows.Next() {
		var c string
		require.NoError(t, rows.Scan(&c))
		clients = append(clients, c)
	}
	require.NoError(t, rows.Err())
	require.Len(t, clients, 2, "two clients, told apart")
	for _, c := range clients {
		assert.Regexp(t, `^[0-9a-f]{16}$`, c)
		assert.NotContains(t, c, "198.51")
		assert.NotContains(t, c, "203.0")
	}
}
