package e2e

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/server"
)

// TestReportReachesDashboard closes the loop with a real store: the report
// Chromium sends for /demo's blocked inline script (report-uri over http,
// report-to over https) is stored, listed by GET /api/reports, and streamed
// back to the demo page's "Reports the server received" list.
func TestReportReachesDashboard(t *testing.T) {
	for _, scheme := range schemes {
		t.Run(scheme, func(t *testing.T) {
			db, err := database.Open(context.Background(), t.TempDir())
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() }) // last: after the server's Close below
			srv, err := server.New(slog.New(slog.DiscardHandler), config.Config{}, server.WithReportStore(store.New(db, store.Options{})))
			require.NoError(t, err)
			ts := httptest.NewUnstartedServer(srv)
			if scheme == "https" {
				ts.StartTLS()
			} else {
				ts.Start()
			}
			t.Cleanup(func() { ts.Close(); _ = srv.Close(context.Background()) })

			tb := newTab(t)
			tb.open(t, ts.URL+"/demo")
			waitDemoReady(t, tb, ts.URL+"/demo")

			client := ts.Client()
			stored := func() bool {
				resp, err := client.Get(ts.URL + "/api/reports?group=demo&directive=script-src-elem&disposition=enforce")
				if err != nil {
					return false
				}
				defer resp.Body.Close()
				var got struct {
					Reports []store.Aggregate `json:"reports"`
				}
				if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&got) != nil {
					return false
				}
				for _, a := range got.Reports {
					if a.BlockedURL == "inline" && a.DocumentPath == "/demo" {
						return true
					}
				}
				return false
			}
			require.Eventually(t, stored, waitTimeout, 20*time.Millisecond,
				"Chromium's report for the blocked inline script never showed up in /api/reports")

			require.Eventually(t, func() bool {
				n, err := evalNoFail[int](tb, `window.noncekitServerReports.length`)
				return err == nil && n > 0
			}, waitTimeout, 20*time.Millisecond, "the demo page's live list never received the stored report")
		})
	}
}
