// Package syncbuf is test support: a buffer that goroutines write to (a
// server's logger, a child process's output copier) while the test reads
// it.
package syncbuf

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// Buffer is a bytes.Buffer safe for concurrent use. The zero value is
// empty and ready.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Count returns how many times s was written.
func (b *Buffer) Count(s string) int { return strings.Count(b.String(), s) }

// JSONLogger returns a logger that writes JSON records of level and
// above to b, for [Buffer.TakeJSON].
func (b *Buffer) JSONLogger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: level}))
}

// TakeJSON decodes the JSON lines written since the last call and empties
// the buffer.
func (b *Buffer) TakeJSON(t testing.TB) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(b.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("syncbuf: a line that is not JSON: %v: %s", err, line)
		}
		out = append(out, m)
	}
	b.b.Reset()
	return out
}
