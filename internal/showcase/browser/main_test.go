// Package browser_test is the showcase's Chromium suite: every demo page's
// panels end as the catalogue's table says, the policy lab's results match
// what its preview did, and a real report reaches the dashboard. It lives
// inside internal/showcase so that removing the showcase removes it too.
package browser_test

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/server"
	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

func TestMain(m *testing.M) { os.Exit(chromium.Main(m)) }

// startKit serves the kit with the showcase mounted over http or https for
// the length of the test.
func startKit(t *testing.T, scheme string) *chromium.Kit {
	t.Helper()
	return chromium.Serve(t, scheme, newKitServer(t))
}

// newKitServer is the kit with the showcase mounted, for a test that
// serves it through a handler of its own. Like cmd/noncekit, it stores
// reports (in a temporary DATA_DIR): the demos' live lists and
// /demo/learn's suggestion are fed by the stored reports.
func newKitServer(t *testing.T) *server.Server {
	t.Helper()
	db, _, err := database.Open(context.Background(), config.Config{DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() }) // last: after the server's Close
	srv, err := server.New(slog.New(slog.DiscardHandler), config.Config{Showcase: true},
		server.Options{DB: db, Reports: store.New(db, store.Options{})})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	return srv
}
