package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/testsupport/cutproxy"
	"github.com/noncekit/noncekit/internal/testsupport/pgtest"
	"github.com/noncekit/noncekit/internal/testsupport/syncbuf"
)

// TestReportsSurviveADatabaseOutage reproduces issue 21's outage on
// loopback: PostgreSQL goes away (every connection to it cut, new ones
// refused) while reports keep coming, from 4 connections (the per-client cap), and comes back.
// Every report accepted while it was away, within the queue's documented
// bound, is stored once it is back; and the log says so in a few lines,
// not one ERROR line per failed write.
func TestReportsSurviveADatabaseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("PostgreSQL through a proxy that is cut")
	}
	ctx := context.Background()
	u, err := url.Parse(pgtest.URL(t))
	require.NoError(t, err)
	proxy := cutproxy.Start(t, u.Host)
	u.Host = proxy.Addr()
	db, _, err := database.Open(ctx, config.Config{DatabaseURL: u.String()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	var logs syncbuf.Buffer
	s, err := New(logs.JSONLogger(slog.LevelInfo), config.Config{Addr: "127.0.0.1:0", ReportRate: 1e9, ReportBurst: 1 << 30},
		Options{DB: db, Reports: store.New(db, store.Options{})})
	require.NoError(t, err)
	base := serveOnLoopback(t, s)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	t.Cleanup(client.CloseIdleConnections)
	// One kind of report, so the client's budget of new kinds plays no
	// part: every report adds to one count.
	post := func() int {
		resp, err := client.Post(base+"/csp-report?group=site", "application/csp-report", strings.NewReader(reportURIBody))
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusNoContent, post())
	require.Eventually(t, func() bool { return s.ReportQueueStats().Stored == 1 }, 10*time.Second, 10*time.Millisecond)
	logs.TakeJSON(t)

	proxy.Cut()
	// 3,000 reports, 4 connections, well within the queue's 4,096.
	const reports, senders = 3_000, 4
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for range reports / senders {
				assert.Equal(t, http.StatusNoContent, post())
			}
		})
	}
	wg.Wait()
	// The writer has met the outage, and tried again.
	require.Eventually(t, func() bool { return s.ReportQueueStats().Retries >= 2 }, 20*time.Second, 10*time.Millisecond)
	proxy.Restore()

	require.Eventually(t, func() bool {
		st := s.ReportQueueStats()
		return st.Waiting == 0 && st.Stored+st.Failed+st.Dropped >= reports+1
	}, 60*time.Second, 20*time.Millisecond, "queue %+v", s.ReportQueueStats())
	st := s.ReportQueueStats()
	var stored int
	require.NoError(t, db.QueryRow("SELECT sum(count) FROM violations").Scan(&stored))
	errorsByMsg := map[string]int{}
	for _, l := range logs.TakeJSON(t) {
		if l["level"] == "ERROR" {
			errorsByMsg[fmt.Sprint(l["msg"])]++
		}
	}
	t.Logf("queue %+v; reports stored %d; ERROR lines %v", st, stored, errorsByMsg)
	assert.Zero(t, st.Dropped, "within the queue's bound")
	assert.Zero(t, st.Failed, "nothing lost")
	assert.Equal(t, reports+1, stored, "every accepted report stored")
	assert.Equal(t, 1, errorsByMsg["csp reports: store write failed"], "one ERROR line for the outage (and a WARN when it ended)")
	for msg, n := range errorsByMsg {
		// The live view's first notification after the outage may meet a
		// connection the cut left in the pool: one line, if any.
		assert.Equal(t, 1, n, "ERROR lines %q", msg)
	}
}
