package reports

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

type countingSink struct{ batches []Batch }

func (c *countingSink) Add(_ context.Context, b Batch) { c.batches = append(c.batches, b) }

// TestSinksLogAndStore: with a store configured, each violation is still
// logged once, and the store gets the same batch.
func TestSinksLogAndStore(t *testing.T) {
	var logs bytes.Buffer
	stored := &countingSink{}
	b := Batch{Violations: []Violation{{Group: "site", EffectiveDirective: "script-src-elem", BlockedURL: "inline"}}}
	Sinks{LogSink{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, stored}.Add(context.Background(), b)

	assert.Equal(t, 1, bytes.Count(logs.Bytes(), []byte(`msg="csp violation"`)))
	assert.Equal(t, []Batch{b}, stored.batches)
}
