package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/views/components"
	"github.com/noncekit/noncekit/views/layout"
)

// lockedBuilder collects log output written from any goroutine.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestMissingStaticFileFailsThePage: a page whose component names a file
// that is not under static/ is a clean 500, never a page with
// integrity="" and a script that 404s; the log names the file, the
// visitor sees nothing of it.
func TestMissingStaticFileFailsThePage(t *testing.T) {
	t.Parallel()
	var logs lockedBuilder
	s, err := New(slog.New(slog.NewTextHandler(&logs, nil)), config.Config{}, Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	page := layout.Base(layout.Page{Title: "Broken", Head: components.ScriptDefer("js/no-such-file.js")})
	rec := httptest.NewRecorder()
	s.Render(rec, httptest.NewRequest(http.MethodGet, "/broken", nil), http.StatusOK, page)

	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.NotContains(t, rec.Body.String(), "no-such-file.js", "the visitor is told nothing of the cause")
	assert.NotContains(t, rec.Body.String(), "<script", "no half-rendered page")
	assert.Contains(t, logs.String(), `msg="render failed" path=/broken`)
	assert.Contains(t, logs.String(), `components.ScriptDefer(\"js/no-such-file.js\"): there is no static/js/no-such-file.js`)
}
