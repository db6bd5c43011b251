package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/testsupport/dbtest"
)

// BenchmarkRecordAtCap writes one queue batch (reports.DefaultBatchSize,
// 512) of one-off kinds from as many clients into a table already at
// DefaultMaxRows: the write transaction of a many-address flood, during
// which SQLite's write lock (the sessions' too) is held. ns/op is that
// hold time.
func BenchmarkRecordAtCap(b *testing.B) {
	for _, e := range dbtest.Engines {
		b.Run("db="+string(e.Dialect), func(b *testing.B) {
			ctx := context.Background()
			clock := t0
			s := on(e.New(b), Options{Now: func() time.Time { return clock }})
			next := 0
			batch := func() []report.Violation {
				vs := make([]report.Violation, 512)
				for i := range vs {
					vs[i] = from(fmt.Sprintf("addr-%d", next), next, time.Duration(next)*time.Millisecond)
					next++
				}
				clock = t0.Add(time.Duration(next) * time.Millisecond)
				return vs
			}
			for next < DefaultMaxRows {
				if err := s.Record(ctx, batch(), 0); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				if err := s.Record(ctx, batch(), 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
