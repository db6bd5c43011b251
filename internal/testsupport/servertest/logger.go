package servertest

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// Logger is the logger for a server under test: its warnings and errors go
// to the test's log, which go test prints when the test fails. A page that
// answers 500 then fails its test with the server's own account of why
// ("render failed ... components.ScriptDefer(\"js/about.js\"): there is no
// static/js/about.js") instead of a bare status. Passing tests print
// nothing, and the access log stays out.
func Logger(t testing.TB) *slog.Logger {
	w := &testWriter{t: t}
	// Once the test has ended, t.Log panics: a server goroutine still
	// logging after its test (a queue flushing on Close) must not crash
	// the run. Cleanups run last-registered first, so this one runs after
	// the server's own Close.
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.done = true
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// testWriter hands each record, written whole by slog's handler, to t.Log.
type testWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log("server log: " + strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}
