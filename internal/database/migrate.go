package database

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrations are numbered files, NNN_name.sql, in one folder per SQL
// dialect, applied in order. The database records the number of the last
// one applied (how is the dialect's business: see versioner), so each runs
// exactly once, and inside the same transaction as the version bump: a
// crash mid-migration leaves the previous version intact.
//
//go:embed migrations
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads dir's NNN_name.sql files, which must be numbered
// 1, 2, 3… without gaps.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, fmt.Errorf("listing migrations: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no migrations in %s", dir)
	}
	var ms []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and '_'", base)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("reading migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d, versions must be 1, 2, 3… without gaps", m.name, i+1)
		}
	}
	return ms, nil
}

// versioner reads and writes a database's schema version, inside the
// migration's transaction. It is the one part of the runner that differs
// between SQL dialects: SQLite keeps it in PRAGMA user_version,
// PostgreSQL in a schema_migrations table (postgres.go).
//
// version is the transaction's first statement, and must leave any other
// process starting on the same database waiting until this transaction
// ends: SQLite's BEGIN IMMEDIATE does it for that dialect, an advisory
// lock for PostgreSQL.
type versioner interface {
	version(ctx context.Context, tx *sql.Tx) (int, error)
	setVersion(ctx context.Context, tx *sql.Tx, m migration) error
}

// migrate applies, one transaction each, the migrations newer than the
// database's version. The version is read inside the transaction that
// applies the next migration, so two processes starting on one new
// database at once do not both run it: the second waits for the first's
// lock (see versioner), then sees the new version. A database newer than this
// binary is refused rather than written to.
func migrate(ctx context.Context, db *sql.DB, vr versioner, ms []migration) error {
	busyUntil := time.Now().Add(beginBusyFor)
	for wait := time.Millisecond; ; {
		done, err := migrateOne(ctx, db, vr, ms)
		if err != nil && errors.Is(err, errBeginBusy) && time.Now().Before(busyUntil) {
			// Another process is creating the same new SQLite file: while
			// it switches the file to WAL, BEGIN can answer "database is
			// locked" without waiting on busy_timeout. Try again shortly.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			wait = min(2*wait, 100*time.Millisecond)
			continue
		}
		if err != nil || done {
			return err
		}
	}
}

// beginBusyFor bounds how long migrate retries a BEGIN refused as busy.
const beginBusyFor = 10 * time.Second

// errBeginBusy marks a BEGIN the database refused as locked.
var errBeginBusy = errors.New("database is locked")

// migrateOne applies the next pending migration; done is true when there
// was none.
func migrateOne(ctx context.Context, db *sql.DB, vr versioner, ms []migration) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		if strings.Contains(err.Error(), "database is locked") {
			err = fmt.Errorf("%w: %w", errBeginBusy, err)
		}
		return false, fmt.Errorf("migrating: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	current, err := vr.version(ctx, tx)
	if err != nil {
		return false, fmt.Errorf("reading schema version: %w", err)
	}
	if current > len(ms) {
		return false, fmt.Errorf("database schema version %d is newer than this program's %d", current, len(ms))
	}
	if current == len(ms) {
		return true, nil
	}
	m := ms[current]
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.name, err)
	}
	if err := vr.setVersion(ctx, tx, m); err != nil {
		return false, fmt.Errorf("migration %s: setting version: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return false, nil
}
