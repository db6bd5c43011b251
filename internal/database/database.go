// Package database holds the kit's one SQL database handle: it opens the
// database the configuration names, with the settings every user of it
// relies on, and brings its schema up to date. Two engines:
//
//   - SQLite, the default: an embedded, pure-Go file in DATA_DIR (no cgo,
//     so `CGO_ENABLED=0 go build` still gives one static binary). One
//     machine, one instance.
//   - PostgreSQL, when DATABASE_URL is set: through pgx's database/sql
//     driver, so every package keeps taking a *sql.DB. Several instances
//     share it: reports, accounts and sessions.
//
// The schema of every table the kit keeps (violation reports, sessions,
// accounts) is here, as one numbered list of migrations per engine
// (migrations/sqlite, migrations/postgres), applied at start-up by the
// runner in migrate.go.
//
// The caller owns the *sql.DB Open returns and closes it once, after
// everything using it (the report queue's last writes, the session
// cleanup, the live-report listener) has stopped. Packages that keep data
// take the handle and ask DialectOf which SQL it speaks; none of them
// opens or closes it.
package database

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"

	"github.com/noncekit/noncekit/internal/config"
)

// FileName is the SQLite database file inside DATA_DIR.
const FileName = "noncekit.db"

// Dialect is the SQL a handle speaks.
type Dialect string

// The kit's dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Open opens the database cfg names and applies the migrations it has not
// had yet: PostgreSQL at cfg.DatabaseURL when it is set, else the SQLite
// file DATA_DIR/FileName (creating it, and DATA_DIR, when needed; see
// privateFiles for their modes). It returns the handle and its dialect; an
// error names the setting at fault.
func Open(ctx context.Context, cfg config.Config) (*sql.DB, Dialect, error) {
	if cfg.DatabaseURL != "" {
		db, err := openPostgres(ctx, cfg.DatabaseURL)
		return db, Postgres, err
	}
	// 0700: only the kit's own user may list or enter DATA_DIR.
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("database: creating DATA_DIR=%s: %w", cfg.DataDir, err)
	}
	path := filepath.Join(cfg.DataDir, FileName)
	if err := privateFiles(path); err != nil {
		return nil, "", fmt.Errorf("database: DATA_DIR=%s: %w", cfg.DataDir, err)
	}
	db, err := openSQLite(ctx, path)
	return db, SQLite, err
}

// Describe says where cfg's database is, for the start-up log line: the
// SQLite file's path, or the PostgreSQL URL without its password.
func Describe(cfg config.Config) string {
	if cfg.DatabaseURL != "" {
		return config.Redact(cfg.DatabaseURL)
	}
	return filepath.Join(cfg.DataDir, FileName)
}

// DialectOf is the dialect of a handle Open returned, read from its
// driver: the packages given the handle need no second argument that
// could disagree with it. A handle from any other driver is SQLite's
// dialect only if it is modernc's; anything else panics, a programming
// error no configuration can cause.
func DialectOf(db *sql.DB) Dialect {
	switch db.Driver().(type) {
	case *stdlib.Driver:
		return Postgres
	case *sqlite.Driver:
		return SQLite
	default:
		panic(fmt.Sprintf("database: a handle with driver %T, not from database.Open", db.Driver()))
	}
}
