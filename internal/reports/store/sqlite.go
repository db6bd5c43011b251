package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/noncekit/noncekit/internal/reports"
)

// DefaultMaxRows is the retention cap: past it, the least recently seen
// aggregates are deleted. Each row holds at most a few KiB (the receiver
// caps every field), so 10,000 rows stay within tens of MiB on disk.
const DefaultMaxRows = 10_000

// SQLite is the Store on the kit's SQLite database (package database opens
// it in WAL mode, so the dashboard reads while the writer writes).
type SQLite struct {
	db      *sql.DB
	maxRows int
	// mu serialises writers in this process; busy_timeout covers another
	// process holding the database.
	mu sync.Mutex
}

var _ Store = (*SQLite)(nil)

// Options tunes New. The zero value is the default.
type Options struct {
	// MaxRows is the retention cap, in aggregates; 0 or less means
	// DefaultMaxRows.
	MaxRows int
}

// New returns the Store on db, which must come from database.Open (that
// is where the violations and noise tables are created and migrated). It
// does not close db: its owner does, once nothing writes reports any more.
func New(db *sql.DB, o Options) *SQLite {
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	return &SQLite{db: db, maxRows: o.MaxRows}
}

const upsertSQL = `
INSERT INTO violations (route_group, directive, blocked_url, document_path, disposition,
	count, first_seen, last_seen, sample, source_file, line, col, user_agent)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (route_group, directive, blocked_url, document_path, disposition) DO UPDATE SET
	count      = count + excluded.count,
	first_seen = min(first_seen, excluded.first_seen),
	sample      = CASE WHEN excluded.last_seen >= last_seen THEN excluded.sample      ELSE sample      END,
	source_file = CASE WHEN excluded.last_seen >= last_seen THEN excluded.source_file ELSE source_file END,
	line        = CASE WHEN excluded.last_seen >= last_seen THEN excluded.line        ELSE line        END,
	col         = CASE WHEN excluded.last_seen >= last_seen THEN excluded.col         ELSE col         END,
	user_agent  = CASE WHEN excluded.last_seen >= last_seen THEN excluded.user_agent  ELSE user_agent  END,
	last_seen  = max(last_seen, excluded.last_seen)`

// pruneSQL deletes the least recently seen rows beyond the cap.
const pruneSQL = `
DELETE FROM violations WHERE id IN (
	SELECT id FROM violations ORDER BY last_seen, id
	LIMIT max(0, (SELECT count(*) FROM violations) - ?))`

// Record implements Store: one transaction per call, one UPSERT per
// distinct aggregate in vs.
func (s *SQLite) Record(ctx context.Context, vs []reports.Violation, noise int) error {
	keys, rows, skipped := aggregate(vs)
	noise += skipped
	if len(keys) == 0 && noise == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: record: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	if len(keys) > 0 {
		stmt, err := tx.PrepareContext(ctx, upsertSQL)
		if err != nil {
			return fmt.Errorf("store: record: prepare: %w", err)
		}
		defer stmt.Close()
		for _, k := range keys {
			p, v := rows[k], rows[k].latest
			if _, err := stmt.ExecContext(ctx, k.group, k.directive, k.blocked, k.docPath, k.disposition,
				p.count, p.first, p.last, v.Sample, v.SourceFile, v.Line, v.Column, v.UserAgent); err != nil {
				return fmt.Errorf("store: record: upsert: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, pruneSQL, s.maxRows); err != nil {
			return fmt.Errorf("store: record: retention: %w", err)
		}
	}
	if noise > 0 {
		if _, err := tx.ExecContext(ctx, "UPDATE noise SET count = count + ? WHERE id = 1", noise); err != nil {
			return fmt.Errorf("store: record: noise: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: record: commit: %w", err)
	}
	return nil
}

// List implements Store.
func (s *SQLite) List(ctx context.Context, f Filter) ([]Aggregate, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	// Empty filter values match everything: (? = '' OR column = ?).
	rows, err := s.db.QueryContext(ctx, `
SELECT route_group, directive, blocked_url, document_path, disposition, count,
	first_seen, last_seen, sample, source_file, line, col, user_agent
FROM violations
WHERE (?1 = '' OR route_group = ?1) AND (?2 = '' OR directive = ?2) AND (?3 = '' OR disposition = ?3)
ORDER BY last_seen DESC, id DESC
LIMIT ?4`, f.Group, f.Directive, f.Disposition, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list: %w", err)
	}
	defer rows.Close()
	out := []Aggregate{}
	for rows.Next() {
		var a Aggregate
		var first, last int64
		if err := rows.Scan(&a.Group, &a.Directive, &a.BlockedURL, &a.DocumentPath, &a.Disposition, &a.Count,
			&first, &last, &a.Sample, &a.SourceFile, &a.Line, &a.Column, &a.UserAgent); err != nil {
			return nil, fmt.Errorf("store: list: scan: %w", err)
		}
		a.FirstSeen, a.LastSeen = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list: %w", err)
	}
	return out, nil
}

// NoiseCount implements Store.
func (s *SQLite) NoiseCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, "SELECT count FROM noise WHERE id = 1").Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: noise count: %w", err)
	}
	return n, nil
}
