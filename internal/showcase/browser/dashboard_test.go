package browser_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/e2e"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/server"
)

// TestReportReachesDashboard closes the loop with a real store: the report
// Chromium sends for /demo's blocked inline script (report-uri over http,
// report-to over https) is stored, listed by GET /api/reports, and streamed
// back to the demo page's "Reports the server received" list.
func TestReportReachesDashboard(t *testing.T) {
	t.Parallel()
	for _, scheme := range e2e.Schemes() {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			db, err := database.Open(context.Background(), t.TempDir())
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() }) // last: after the server's Close below
			srv, err := server.New(slog.New(slog.DiscardHandler), config.Config{Showcase: true}, server.Options{Reports: store.New(db, store.Options{})})
			require.NoError(t, err)
			// Registered before Serve's, so it runs after the listener
			// closes: cleanups run last first.
			t.Cleanup(func() { _ = srv.Close(context.Background()) })
			k := e2e.Serve(t, scheme, srv)

			tb := e2e.NewTab(t)
			tb.Open(t, k.URL+"/demo")
			e2e.WaitDemoReady(t, tb, k.URL+"/demo")

			client := k.Client()
			stored := func() bool {
				resp, err := client.Get(k.URL + "/api/reports?group=demo&directive=script-src-elem&disposition=enforce")
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
			require.Eventually(t, stored, e2e.WaitTimeout, e2e.PollInterval,
				"Chromium's report for the blocked inline script never showed up in /api/reports")

			e2e.WaitUntil(t, tb, `window.noncekitServerReports.length > 0`,
				"the demo page's live list never received the stored report")
		})
	}
}
