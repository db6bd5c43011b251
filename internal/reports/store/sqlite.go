package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/noncekit/noncekit/internal/reports"
)

// Retention defaults. Each row holds at most a few KiB (the receiver caps
// every field), so DefaultMaxRows rows stay within tens of MiB on disk.
const (
	// DefaultMaxRows caps the aggregates kept; see Options.MaxRows.
	DefaultMaxRows = 10_000
	// DefaultRetention is how long an aggregate nobody reports again is
	// kept: 30 days.
	DefaultRetention = 30 * 24 * time.Hour
	// DefaultNewPerClient and DefaultNewWindow: a client may create 50
	// new aggregates a minute.
	DefaultNewPerClient = 50
	DefaultNewWindow    = time.Minute
	// DefaultLongStanding: an aggregate created a day ago is long-standing.
	DefaultLongStanding = 24 * time.Hour
)

// SQLite is the Store on the kit's SQLite database (package database opens
// it in WAL mode, so the dashboard reads while the writer writes).
type SQLite struct {
	db *sql.DB
	o  Options
	// mu serialises writers in this process; busy_timeout covers another
	// process holding the database.
	mu      sync.Mutex
	refused atomic.Int64
}

var _ Store = (*SQLite)(nil)

// Options tunes New. The zero value is the default.
//
// Fair storage, the threat: anyone can POST reports, and a client that
// sends many distinct ones (each a new aggregate) could push everyone
// else's out of a capped table, the real site's rows included. So each
// client may create only NewPerClient aggregates per NewWindow (adding to
// existing ones is never limited); past MaxRows, the newest-created
// aggregates of the client that created the most recently go first, so a
// flood displaces itself, and long-standing aggregates stay; and whatever
// nobody reports for Retention goes. A violation's client is
// Violation.Client, an opaque id the receiver sets; violations without one
// are not budgeted, and their aggregates are evicted last.
//
// The limit of this: a table filled to the cap, by many clients, with
// kinds they keep reporting holds those rows once they are long-standing,
// and new kinds are then evicted as they come until Retention passes
// without reports of the old ones. The per-client rate limit and budget
// make that a slow, many-address attack; raise MaxRows if it matters.
type Options struct {
	// MaxRows caps the aggregates kept; 0 or less means DefaultMaxRows.
	MaxRows int
	// Retention is how long an aggregate is kept after it was last seen;
	// 0 or less means DefaultRetention. Older ones are deleted on the next
	// write and never listed.
	Retention time.Duration
	// NewPerClient is how many new aggregates one client may create per
	// NewWindow; past it, its violations of new kinds are refused (and
	// counted: Refused). 0 or less means DefaultNewPerClient.
	NewPerClient int
	// NewWindow is the window of NewPerClient, measured on the violations'
	// ReceivedAt; 0 or less means DefaultNewWindow.
	NewWindow time.Duration
	// LongStanding is the age (since first seen) past which an aggregate
	// is long-standing: the cap evicts one only when no newer aggregate is
	// left, which happens only when MaxRows was lowered below what is
	// stored. 0 or less means DefaultLongStanding.
	LongStanding time.Duration
	// Now is the clock retention is measured against. Default time.Now.
	Now func() time.Time
}

// New returns the Store on db, which must come from database.Open (that
// is where the violations and noise tables are created and migrated). It
// does not close db: its owner does, once nothing writes reports any more.
func New(db *sql.DB, o Options) *SQLite {
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	if o.NewPerClient <= 0 {
		o.NewPerClient = DefaultNewPerClient
	}
	if o.NewWindow <= 0 {
		o.NewWindow = DefaultNewWindow
	}
	if o.LongStanding <= 0 {
		o.LongStanding = DefaultLongStanding
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &SQLite{db: db, o: o}
}

// Refused is how many violations were not stored because their client had
// used its budget of new aggregates, since the store was made.
func (s *SQLite) Refused() int64 { return s.refused.Load() }

// cutoff is the oldest last_seen, in unix milliseconds, still retained.
func (s *SQLite) cutoff() int64 { return s.o.Now().Add(-s.o.Retention).UnixMilli() }

// updateSQL adds to an existing aggregate; the sample fields follow the
// most recent report.
const updateSQL = `
UPDATE violations SET
	count      = count + ?6,
	first_seen = min(first_seen, ?7),
	sample      = CASE WHEN ?8 >= last_seen THEN ?9  ELSE sample      END,
	source_file = CASE WHEN ?8 >= last_seen THEN ?10 ELSE source_file END,
	line        = CASE WHEN ?8 >= last_seen THEN ?11 ELSE line        END,
	col         = CASE WHEN ?8 >= last_seen THEN ?12 ELSE col         END,
	user_agent  = CASE WHEN ?8 >= last_seen THEN ?13 ELSE user_agent  END,
	last_seen  = max(last_seen, ?8)
WHERE route_group = ?1 AND directive = ?2 AND blocked_url = ?3 AND document_path = ?4 AND disposition = ?5`

// insertSQL creates an aggregate, recording the client that created it.
const insertSQL = `
INSERT INTO violations (route_group, directive, blocked_url, document_path, disposition,
	count, first_seen, last_seen, sample, source_file, line, col, user_agent, client)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// createdSQL counts the aggregates a client created since a time.
const createdSQL = `SELECT count(*) FROM violations WHERE client = ? AND first_seen > ?`

// expireSQL deletes what nobody reported within the retention.
const expireSQL = `DELETE FROM violations WHERE last_seen < ?`

// evictSQL deletes up to ?2 of the aggregates created after ?1: the
// newest of the client that created the most of them; aggregates without a
// client come last.
const evictSQL = `
DELETE FROM violations WHERE id IN (
	SELECT id FROM violations WHERE first_seen > ?1 AND client = (
		SELECT client FROM violations WHERE first_seen > ?1 GROUP BY client
		ORDER BY client = '', count(*) DESC, max(first_seen) DESC LIMIT 1)
	ORDER BY first_seen DESC, id DESC LIMIT ?2)`

// Record implements Store: one transaction per call, one UPDATE (and, for
// a new kind within its client's budget, one INSERT) per distinct
// aggregate in vs, then retention.
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
	var refused int64
	if len(keys) > 0 {
		if refused, err = s.upsert(ctx, tx, keys, rows); err != nil {
			return err
		}
		if err := s.retain(ctx, tx); err != nil {
			return err
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
	// Counted once committed: a failed write refused nothing, it lost
	// everything (the queue counts that).
	s.refused.Add(refused)
	return nil
}

// upsert adds each pending aggregate to its row, or creates the row when
// its client's budget allows. It returns how many violations it refused.
func (s *SQLite) upsert(ctx context.Context, tx *sql.Tx, keys []key, rows map[key]*pending) (refused int64, err error) {
	upd, err := tx.PrepareContext(ctx, updateSQL)
	if err != nil {
		return 0, fmt.Errorf("store: record: prepare: %w", err)
	}
	defer upd.Close()
	var ins *sql.Stmt
	budget := map[string]int{} // new aggregates each client may still create in this call
	for _, k := range keys {
		p, v := rows[k], rows[k].latest
		res, err := upd.ExecContext(ctx, k.group, k.directive, k.blocked, k.docPath, k.disposition,
			p.count, p.first, p.last, v.Sample, v.SourceFile, v.Line, v.Column, v.UserAgent)
		if err != nil {
			return 0, fmt.Errorf("store: record: update: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return 0, fmt.Errorf("store: record: update: %w", err)
		} else if n > 0 {
			continue
		}
		if p.client != "" {
			left, ok := budget[p.client]
			if !ok {
				var made int
				since := p.first - s.o.NewWindow.Milliseconds()
				if err := tx.QueryRowContext(ctx, createdSQL, p.client, since).Scan(&made); err != nil {
					return 0, fmt.Errorf("store: record: budget: %w", err)
				}
				left = s.o.NewPerClient - made
			}
			if left <= 0 {
				budget[p.client] = 0
				refused += p.count
				continue
			}
			budget[p.client] = left - 1
		}
		if ins == nil {
			if ins, err = tx.PrepareContext(ctx, insertSQL); err != nil {
				return 0, fmt.Errorf("store: record: prepare: %w", err)
			}
			defer ins.Close()
		}
		if _, err := ins.ExecContext(ctx, k.group, k.directive, k.blocked, k.docPath, k.disposition,
			p.count, p.first, p.last, v.Sample, v.SourceFile, v.Line, v.Column, v.UserAgent, p.client); err != nil {
			return 0, fmt.Errorf("store: record: insert: %w", err)
		}
	}
	return refused, nil
}

// retain deletes what is past the retention, then evicts down to MaxRows.
func (s *SQLite) retain(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, expireSQL, s.cutoff()); err != nil {
		return fmt.Errorf("store: record: retention: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM violations").Scan(&n); err != nil {
		return fmt.Errorf("store: record: retention: %w", err)
	}
	// First among the aggregates that are not long-standing: the ones
	// just created always are, so in steady state that suffices. Then,
	// only if the cap was lowered, among all. Each pass empties one
	// client's share or ends the excess: usually one pass.
	recent := s.o.Now().Add(-s.o.LongStanding).UnixMilli()
	for _, since := range []int64{recent, math.MinInt64} {
		for n > s.o.MaxRows {
			res, err := tx.ExecContext(ctx, evictSQL, since, n-s.o.MaxRows)
			if err != nil {
				return fmt.Errorf("store: record: eviction: %w", err)
			}
			d, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("store: record: eviction: %w", err)
			}
			if d == 0 {
				break
			}
			n -= int(d)
		}
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
	AND last_seen >= ?5
ORDER BY last_seen DESC, id DESC
LIMIT ?4`, f.Group, f.Directive, f.Disposition, limit, s.cutoff())
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
