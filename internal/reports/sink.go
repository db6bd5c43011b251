package reports

import (
	"context"
	"log/slog"
)

// LogSink logs each violation once. Real violations are logged at warn
// level: on a strict-CSP site each one is either a bug in the site's markup
// or a blocked injection. Noise is logged at debug level, and a batch's
// ignored and dropped counts at info level when non-zero.
//
// The fields are already capped and escaped by normalisation, so they go
// to the handler as they are.
type LogSink struct {
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Add implements Sink.
func (s LogSink) Add(ctx context.Context, b Batch) {
	l := s.Logger
	if l == nil {
		l = slog.Default()
	}
	for i := range b.Violations {
		v := &b.Violations[i]
		level := slog.LevelWarn
		if v.Noise {
			level = slog.LevelDebug
		}
		if !l.Enabled(ctx, level) {
			continue
		}
		l.LogAttrs(ctx, level, "csp violation",
			slog.String("group", v.Group),
			slog.String("directive", v.EffectiveDirective),
			slog.String("blocked", v.BlockedURL),
			slog.String("document", v.DocumentURL),
			slog.String("source", v.SourceFile),
			slog.Int("line", v.Line),
			slog.Int("column", v.Column),
			slog.String("sample", v.Sample),
			slog.String("disposition", v.Disposition),
			slog.Int("status", v.StatusCode),
			slog.String("user_agent", v.UserAgent),
			slog.Bool("noise", v.Noise),
		)
	}
	if b.Ignored > 0 || b.Dropped > 0 {
		l.LogAttrs(ctx, slog.LevelInfo, "csp report batch trimmed",
			slog.Int("ignored", b.Ignored),
			slog.Int("dropped", b.Dropped),
		)
	}
}

// Sinks hands each batch to every sink in order, for a server that both
// logs and stores violations. The sinks must not change the batch.
type Sinks []Sink

// Add implements Sink.
func (ss Sinks) Add(ctx context.Context, b Batch) {
	for _, s := range ss {
		s.Add(ctx, b)
	}
}
