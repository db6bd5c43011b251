package logsummary

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/internal/testsupport/syncbuf"
)

// TestErrorsSummarise: a failure that repeats is one line when it starts,
// one per interval while it lasts, and one when the operation works again;
// the count and the last error are in them.
func TestErrorsSummarise(t *testing.T) {
	type step struct {
		at   time.Duration // on the test's clock
		fail int           // failures at that instant, 0: one success
	}
	tests := []struct {
		name  string
		steps []step
		want  []string // each line's message and its failures attribute
	}{
		{"no failure, no line", []step{{0, 0}, {time.Second, 0}}, nil},
		{"a 2-second outage, 1,000 failed writes: two lines",
			[]step{{0, 500}, {time.Second, 500}, {2 * time.Second, 0}},
			[]string{"write failed <nil>", "write works again 1000"}},
		{"an outage over three intervals: a line per interval",
			[]step{{0, 10}, {30 * time.Second, 10}, {time.Minute, 10}, {2 * time.Minute, 10}, {3*time.Minute + time.Second, 10}, {4 * time.Minute, 0}},
			[]string{"write failed <nil>", "write still failing 20", "write still failing 10", "write still failing 10", "write works again 50"}},
		{"two outages", []step{{0, 3}, {time.Second, 0}, {2 * time.Second, 1}, {3 * time.Second, 0}},
			[]string{"write failed <nil>", "write works again 3", "write failed <nil>", "write works again 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out syncbuf.Buffer
			var now time.Time
			e := &Errors{Logger: out.JSONLogger(slog.LevelInfo), What: "write", Now: func() time.Time { return now }}
			ctx := context.Background()
			t0 := time.Unix(1000, 0)
			for _, s := range tt.steps {
				now = t0.Add(s.at)
				if s.fail == 0 {
					e.Succeeded(ctx)
				}
				for i := range s.fail {
					e.Failed(ctx, fmt.Errorf("refused %d", i), 2)
				}
			}
			var got []string
			for _, l := range out.TakeJSON(t) {
				got = append(got, fmt.Sprintf("%v %v", l["msg"], l["failures"]))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestErrorsLines: what each line carries.
func TestErrorsLines(t *testing.T) {
	var out syncbuf.Buffer
	now := time.Unix(1000, 0)
	e := &Errors{Logger: out.JSONLogger(slog.LevelInfo), What: "write", Interval: time.Second, Now: func() time.Time { return now }}
	ctx := context.Background()
	e.Failed(ctx, errors.New("first"), 5, slog.String("store", "postgres"))
	e.Failed(ctx, errors.New("second"), 7)
	now = now.Add(500 * time.Millisecond)
	e.Failed(ctx, errors.New("third"), 7)
	e.Flush(ctx)
	now = now.Add(time.Second)
	e.Succeeded(ctx)
	lines := out.TakeJSON(t)
	assert.Len(t, lines, 3)
	assert.Equal(t, map[string]any{"level": "ERROR", "msg": "write failed", "items": 5.0, "error": "first", "store": "postgres"}, without(lines[0], "time"))
	assert.Equal(t, map[string]any{"level": "ERROR", "msg": "write still failing", "failures": 2.0, "items": 14.0,
		"interval": 5e8, "since_first": 5e8, "last_error": "third"}, without(lines[1], "time"))
	assert.Equal(t, map[string]any{"level": "WARN", "msg": "write works again", "failures": 3.0, "after": 1.5e9}, without(lines[2], "time"))
}

func without(m map[string]any, k string) map[string]any { delete(m, k); return m }
