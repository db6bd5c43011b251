package e2e_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/devreload"
	"github.com/noncekit/noncekit/internal/e2e"
	"github.com/noncekit/noncekit/internal/server"
)

// TestDevReloadUnderStrictPolicy proves `make dev`'s live reload works under
// the strict policy: the reload script carries the nonce, keeps a stream
// open, and reloads the page when the server is replaced by a new process
// (here, a new server.New behind the same address, as air does).
func TestDevReloadUnderStrictPolicy(t *testing.T) {
	newDev := func() *server.Server {
		s, err := server.New(slog.New(slog.DiscardHandler), config.Config{Dev: true}, server.Options{})
		require.NoError(t, err)
		return s
	}
	var current atomic.Pointer[server.Server]
	current.Store(newDev())
	streams := make(chan struct{}, 8)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == devreload.Path {
			streams <- struct{}{}
		}
		current.Load().ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)

	tb := e2e.NewTab(t)
	tb.Open(t, ts.URL+"/")
	select {
	case <-streams:
	case <-time.After(e2e.WaitTimeout):
		t.Fatal("the reload script never opened its stream")
	}
	e2e.Eval[bool](t, tb, `window.__beforeRestart = true`)

	// "Restart": a new process (new boot id) takes over; the old one stops,
	// ending its stream, and the browser reconnects to the new one.
	old := current.Swap(newDev())
	old.Stop()

	require.Eventually(t, func() bool {
		v, err := e2e.EvalNoFail[bool](tb, `window.__beforeRestart === undefined && document.readyState === "complete"`)
		return err == nil && v
	}, 15*time.Second, 50*time.Millisecond, "the page did not reload after the server restarted")

	for _, m := range tb.TakeConsole() {
		assert.False(t, m.IsCSP() || strings.Contains(m.Text, "dev-reload"), "console: %s", m)
	}
	assert.Empty(t, e2e.RecordedViolations(t, tb), "the reload script must run under the strict policy")
}
