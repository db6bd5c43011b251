package devreload

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMiddlewareMarksRequests(t *testing.T) {
	var marked bool
	h := Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { marked = Enabled(r.Context()) }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	assert.True(t, marked)
	assert.False(t, Enabled(context.Background()))
}

// TestStreamSendsBootIDAndEndsOnStop proves what the reload script relies
// on (a boot event as soon as it connects) and what graceful shutdown
// relies on (the stream ends when the server stops).
func TestStreamSendsBootIDAndEndsOnStop(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(Handler(stop))
	defer srv.Close()

	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))

	sc := bufio.NewScanner(resp.Body)
	var lines []string
	for sc.Scan() && sc.Text() != "" {
		lines = append(lines, sc.Text())
	}
	require.Len(t, lines, 3)
	assert.Equal(t, "event: boot", lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "data: ") && len(lines[2]) > len("data: "))

	close(stop)
	for sc.Scan() {
	}
	require.NoError(t, sc.Err(), "the stream ends cleanly once stop is closed")
}
