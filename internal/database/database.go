// Package database holds the kit's one SQL database handle: it opens the
// embedded SQLite database in DATA_DIR, with the settings every user of
// it relies on, and brings its schema up to date. The schema of every
// table the kit keeps there (violation reports, sessions, accounts) is here, as one
// numbered list of migrations, so the tables of one file have one version.
//
// The caller owns the *sql.DB Open returns and closes it once, after
// everything using it (the report queue's last writes, the session
// cleanup) has stopped. Packages that keep data take the handle; none of
// them opens or closes the file.
//
// Only the SQLite files (sqlite.go, migrations/sqlite) know the dialect:
// another database (PostgreSQL) adds its own opener, versioner and
// migrations folder and reuses the runner in migrate.go.
package database

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
)

// FileName is the database file inside DATA_DIR.
const FileName = "noncekit.db"

// Open opens (creating it, and dataDir, when needed) the SQLite database
// dataDir/FileName and applies the migrations it has not had yet.
func Open(ctx context.Context, dataDir string) (*sql.DB, error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("database: creating DATA_DIR=%s: %w", dataDir, err)
	}
	return openSQLite(ctx, filepath.Join(dataDir, FileName))
}
