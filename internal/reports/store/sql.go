package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/database"
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
)

// SQL is the Store on the kit's database, SQLite or PostgreSQL (package
// database opens either; DialectOf tells them apart). Its statements are
// written once, in the SQL both read ($n placeholders, ON CONFLICT, CASE
// rather than SQLite's two-argument min and max or PostgreSQL's LEAST and
// GREATEST); the dialects differ only in how writers take turns.
//
// Writers take turns, cluster-wide: one Record transaction at a time
// writes the reports tables, whichever instance it runs in. SQLite's
// BEGIN IMMEDIATE gives that on one machine; on PostgreSQL each Record
// first takes a transaction-level advisory lock (writeLock), released at
// commit or rollback. That is what keeps the per-client budget, the cap
// and the eviction order exact with several instances writing at once:
// two instances can neither both spend a client's last new aggregate nor
// both evict for the same excess. It costs little: each instance writes
// one transaction per batch of up to reports.DefaultBatchSize violations,
// at most every reports.DefaultFlushInterval. Aggregates are upserts
// besides (INSERT ... ON CONFLICT DO UPDATE count = count + excluded.count),
// so no count is lost whatever the order of writers.
//
// What is per instance, not cluster-wide: Refused (a counter of this
// process's), and the client ids the receiver hands over, which each
// instance derives with its own key (report.ClientHasher): a client that
// reaches N instances counts as N clients, so it may create up to N times
// NewPerClient new aggregates per NewWindow, and the cap's eviction sees
// its share split in N. The cap, retention and every count are exact.
type SQL struct {
	db      *sql.DB
	dialect database.Dialect
	o       Options
	// mu serialises this process's writers, so they queue here rather
	// than each holding a connection while it waits for the database's
	// lock (busy_timeout for SQLite, the advisory lock for PostgreSQL).
	mu      sync.Mutex
	refused atomic.Int64
}

var _ Store = (*SQL)(nil)

// writeLock is the advisory lock key Record takes on PostgreSQL:
// "ncreport" in ASCII. An application sharing the database with the kit
// must not use it.
const writeLock int64 = 0x6e637265706f7274

// Options tunes New. The zero value is the default.
//
// What storage keeps, the threat: anyone can POST reports, from as many
// addresses as they hold (one IPv6 /48 is 65,536 clients), and a flood of
// distinct ones, each a new aggregate, could push the real site's out of
// a capped table. What tells a real kind from a forged one is that real
// pages keep causing it: visitors report it again and again, while a
// forger pays a report for every count. So past MaxRows the least-seen
// aggregates go first (lowest count), and among those the least recently
// seen: a flood of one-off kinds displaces one-off kinds, oldest first,
// never a kind reported more often than the flood's. Besides, each client
// may create only NewPerClient aggregates per NewWindow (adding to
// existing ones is never limited), and whatever nobody reports for
// Retention goes. A violation's client is Violation.Client, an opaque id
// the receiver sets; violations without one are not budgeted.
//
// The bound, tested: an aggregate seen c times is evicted only once
// MaxRows other aggregates have each been seen at least c times (and
// those seen exactly c times, more recently), within Retention. One-off
// kinds are the first to go, a real one included; a kind that is real
// comes back with the next visitor who meets it. An attacker who wants a
// kind seen c times gone must send MaxRows * c reports of kinds of its own
// through the per-client rate limit and budget: raise MaxRows if that is
// within reach.
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
	// Now is the clock retention is measured against. Default time.Now.
	Now func() time.Time
}

// New returns the Store on db, which must come from database.Open (that
// is where the violations and noise tables are created and migrated, and
// the dialect is known). It does not close db: its owner does, once
// nothing writes reports any more.
func New(db *sql.DB, o Options) *SQL {
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
	if o.Now == nil {
		o.Now = time.Now
	}
	return &SQL{db: db, dialect: database.DialectOf(db), o: o}
}

// Refused is how many violations were not stored because their client had
// used its budget of new aggregates, since the store was made.
func (s *SQL) Refused() int64 { return s.refused.Load() }

// cutoff is the oldest last_seen, in unix milliseconds, still retained.
func (s *SQL) cutoff() int64 { return s.o.Now().Add(-s.o.Retention).UnixMilli() }

// updateSQL adds to an existing aggregate; the sample fields follow the
// most recent report. Every right-hand side reads the row as it was.
const updateSQL = `
UPDATE violations SET
	count       = count + $6,
	first_seen  = CASE WHEN $7 < first_seen THEN $7 ELSE first_seen END,
	sample      = CASE WHEN $8 >= last_seen THEN $9  ELSE sample      END,
	source_file = CASE WHEN $8 >= last_seen THEN $10 ELSE source_file END,
	line        = CASE WHEN $8 >= last_seen THEN $11 ELSE line        END,
	col         = CASE WHEN $8 >= last_seen THEN $12 ELSE col         END,
	user_agent  = CASE WHEN $8 >= last_seen THEN $13 ELSE user_agent  END,
	last_seen   = CASE WHEN $8 > last_seen THEN $8 ELSE last_seen END
WHERE route_group = $1 AND directive = $2 AND blocked_url = $3 AND document_path = $4 AND disposition = $5`

// insertSQL creates an aggregate, recording the client that created it.
// Writers take turns (see SQL), so the row cannot appear between the
// UPDATE that missed it and this INSERT; were it to, the upsert adds to it
// exactly as updateSQL would rather than fail the batch.
const insertSQL = `
INSERT INTO violations (route_group, directive, blocked_url, document_path, disposition,
	count, first_seen, last_seen, sample, source_file, line, col, user_agent, client)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (route_group, directive, blocked_url, document_path, disposition) DO UPDATE SET
	count       = violations.count + excluded.count,
	first_seen  = CASE WHEN excluded.first_seen < violations.first_seen THEN excluded.first_seen ELSE violations.first_seen END,
	sample      = CASE WHEN excluded.last_seen >= violations.last_seen THEN excluded.sample      ELSE violations.sample      END,
	source_file = CASE WHEN excluded.last_seen >= violations.last_seen THEN excluded.source_file ELSE violations.source_file END,
	line        = CASE WHEN excluded.last_seen >= violations.last_seen THEN excluded.line        ELSE violations.line        END,
	col         = CASE WHEN excluded.last_seen >= violations.last_seen THEN excluded.col         ELSE violations.col         END,
	user_agent  = CASE WHEN excluded.last_seen >= violations.last_seen THEN excluded.user_agent  ELSE violations.user_agent  END,
	last_seen   = CASE WHEN excluded.last_seen > violations.last_seen THEN excluded.last_seen ELSE violations.last_seen END`

// createdSQL counts the aggregates a client created since a time.
const createdSQL = `SELECT count(*) FROM violations WHERE client = $1 AND first_seen > $2`

// expireSQL deletes what nobody reported within the retention.
const expireSQL = `DELETE FROM violations WHERE last_seen < $1`

// evictSQL deletes $1 aggregates: the least seen, and among those the
// least recently seen (see Options). The violations_evict index holds
// them in that order, so it reads $1 index entries, whatever the table
// holds.
const evictSQL = `
DELETE FROM violations WHERE id IN (
	SELECT id FROM violations ORDER BY count, last_seen, id LIMIT $1)`

// Record implements Store: one transaction per call, taking its turn
// among writers (see SQL), one UPDATE (and, for a new kind within its
// client's budget, one INSERT) per distinct aggregate in vs, then
// retention.
func (s *SQL) Record(ctx context.Context, vs []report.Violation, noise int) error {
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
	if s.dialect == database.Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", writeLock); err != nil {
			return fmt.Errorf("store: record: waiting for the writers' lock: %w", err)
		}
	}
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
		if _, err := tx.ExecContext(ctx, "UPDATE noise SET count = count + $1 WHERE id = 1", noise); err != nil {
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
func (s *SQL) upsert(ctx context.Context, tx *sql.Tx, keys []key, rows map[key]*pending) (refused int64, err error) {
	upd, err := tx.PrepareContext(ctx, updateSQL)
	if err != nil {
		return 0, fmt.Errorf("store: record: prepare: %w", err)
	}
	defer upd.Close()
	var ins *sql.Stmt
	budget := map[string]int{} // new aggregates each client may still create in this call
	for _, k := range keys {
		p, v := rows[k], rows[k].latest
		res, err := upd.ExecContext(ctx, k.Group, k.Directive, k.Blocked, k.DocumentPath, k.Disposition,
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
		if _, err := ins.ExecContext(ctx, k.Group, k.Directive, k.Blocked, k.DocumentPath, k.Disposition,
			p.count, p.first, p.last, v.Sample, v.SourceFile, v.Line, v.Column, v.UserAgent, p.client); err != nil {
			return 0, fmt.Errorf("store: record: insert: %w", err)
		}
	}
	return refused, nil
}

// retain deletes what is past the retention, then evicts down to MaxRows.
func (s *SQL) retain(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, expireSQL, s.cutoff()); err != nil {
		return fmt.Errorf("store: record: retention: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM violations").Scan(&n); err != nil {
		return fmt.Errorf("store: record: retention: %w", err)
	}
	if n > s.o.MaxRows {
		if _, err := tx.ExecContext(ctx, evictSQL, n-s.o.MaxRows); err != nil {
			return fmt.Errorf("store: record: eviction: %w", err)
		}
	}
	return nil
}

// List implements Store.
func (s *SQL) List(ctx context.Context, f Filter) ([]Aggregate, error) {
	aggs, _, err := s.list(ctx, f, 0)
	return aggs, err
}

// Page implements Store: List, and one row more to tell whether another
// page follows.
func (s *SQL) Page(ctx context.Context, f Filter) (Page, error) {
	aggs, last, err := s.list(ctx, f, 1)
	if err != nil {
		return Page{}, err
	}
	limit := f.limit()
	if len(aggs) <= limit {
		return Page{Aggregates: aggs}, nil
	}
	return Page{Aggregates: aggs[:limit], Next: last[limit-1]}, nil
}

// orderSQL is each Order's ORDER BY, newest or most reported first, id
// last so that the order is total. Each reads an index backwards
// (violations_last_seen, violations_evict): a page costs the rows it
// returns, not the rows stored.
var orderSQL = map[Order]string{
	ByLastSeen: "last_seen DESC, id DESC",
	ByCount:    "count DESC, last_seen DESC, id DESC",
}

// list reads f.limit()+extra rows and the cursor of each.
func (s *SQL) list(ctx context.Context, f Filter, extra int) ([]Aggregate, []Cursor, error) {
	order, ok := orderSQL[f.Order]
	if !ok {
		return nil, nil, fmt.Errorf("store: list: unknown order %d", f.Order)
	}
	if !f.After.IsZero() && f.Order != ByLastSeen {
		return nil, nil, errors.New("store: list: a cursor continues the listing by last seen only")
	}
	// Empty filter values match everything: ($1 = '' OR column = $1).
	q := `
SELECT id, route_group, directive, blocked_url, document_path, disposition, count,
	first_seen, last_seen, sample, source_file, line, col, user_agent
FROM violations
WHERE ($1 = '' OR route_group = $1) AND ($2 = '' OR directive = $2) AND ($3 = '' OR disposition = $3)
	AND last_seen >= $5`
	args := []any{f.Group, f.Directive, f.Disposition, f.limit() + extra, s.cutoff()}
	if !f.After.IsZero() {
		// Past the cursor: last_seen <= $6 seeks the index, the rest skips
		// the rows of that millisecond already shown.
		q += ` AND last_seen <= $6 AND (last_seen < $6 OR id < $7)`
		args = append(args, f.After.lastSeen, f.After.id)
	}
	rows, err := s.db.QueryContext(ctx, q+`
ORDER BY `+order+`
LIMIT $4`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("store: list: %w", err)
	}
	defer rows.Close()
	out, cursors := []Aggregate{}, []Cursor{}
	for rows.Next() {
		var a Aggregate
		var id, first, last int64
		if err := rows.Scan(&id, &a.Group, &a.Directive, &a.BlockedURL, &a.DocumentPath, &a.Disposition, &a.Count,
			&first, &last, &a.Sample, &a.SourceFile, &a.Line, &a.Column, &a.UserAgent); err != nil {
			return nil, nil, fmt.Errorf("store: list: scan: %w", err)
		}
		a.FirstSeen, a.LastSeen = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
		out = append(out, a)
		cursors = append(cursors, Cursor{lastSeen: last, id: id})
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("store: list: %w", err)
	}
	return out, cursors, nil
}

// NoiseCount implements Store.
func (s *SQL) NoiseCount(ctx context.Context) (int64, error) {
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
