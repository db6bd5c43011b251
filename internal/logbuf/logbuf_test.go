package logbuf

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/testsupport/syncbuf"
)

func TestCloseWritesEverything(t *testing.T) {
	var out syncbuf.Buffer
	w := New(&out, Options{Interval: time.Hour})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 1000 {
				_, _ = w.Write([]byte(strings.Repeat("x", i+1) + "\n"))
			}
		})
	}
	wg.Wait()
	require.NoError(t, w.Close())
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	assert.Len(t, lines, 8000, "every line, none torn")
	_, err := w.Write([]byte("after close\n"))
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(out.String(), "after close\n"), "a write after Close goes straight through")
	assert.NoError(t, w.Close(), "Close twice")
}

func TestLinesAreWrittenWithinTheInterval(t *testing.T) {
	var out syncbuf.Buffer
	w := New(&out, Options{Interval: 5 * time.Millisecond})
	t.Cleanup(func() { _ = w.Close() })
	_, err := w.Write([]byte("a line\n"))
	require.NoError(t, err)
	assert.Empty(t, out.String(), "buffered, not written at once")
	require.Eventually(t, func() bool { return out.String() == "a line\n" }, 5*time.Second, time.Millisecond,
		"the flusher writes a waiting line out")
}

func TestSizeFlushesEarly(t *testing.T) {
	var out syncbuf.Buffer
	w := New(&out, Options{Interval: time.Hour, Size: 16})
	t.Cleanup(func() { _ = w.Close() })
	_, err := w.Write([]byte(strings.Repeat("y", 40)))
	require.NoError(t, err)
	assert.NotEmpty(t, out.String(), "more than Size bytes are written at once")
}

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestUnderlyingErrorIsReturned(t *testing.T) {
	w := New(failing{}, Options{Interval: time.Hour, Size: 16})
	_, err := w.Write([]byte(strings.Repeat("z", 40)))
	require.ErrorContains(t, err, "disk full")
	assert.ErrorContains(t, w.Close(), "disk full")
}
