package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver; pure Go, no cgo
)

// SQLite pool limits. WAL lets readers work beside the one writer; more
// connections than this only queue on SQLite's single write lock.
const (
	sqliteMaxConns    = 4
	sqliteConnMaxIdle = 5 * time.Minute
)

// sqliteMigrations is the folder, in migrationFS, of the SQLite schema.
const sqliteMigrations = "migrations/sqlite"

// openSQLite opens the database file at path in WAL mode and migrates it.
func openSQLite(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("database: opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(sqliteMaxConns)
	db.SetMaxIdleConns(sqliteMaxConns)
	db.SetConnMaxIdleTime(sqliteConnMaxIdle)
	ms, err := loadMigrations(migrationFS, sqliteMigrations)
	if err == nil {
		err = migrate(ctx, db, userVersion{}, ms)
	}
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("database: %s: %w", path, err)
	}
	return db, nil
}

// sqliteDSN is the modernc driver's data source name for path. The
// driver applies the pragmas on every new connection of the pool.
func sqliteDSN(path string) string {
	q := url.Values{}
	// Wait up to 5 s for another connection's (or process's) write lock
	// instead of failing at once with SQLITE_BUSY. First, so it already
	// covers switching to WAL.
	q.Add("_pragma", "busy_timeout(5000)")
	// WAL: the dashboard and session reads go on while the writer writes.
	q.Add("_pragma", "journal_mode(WAL)")
	// NORMAL is durable across application crashes in WAL mode; only a
	// power loss can cost the last transactions (a few reports, a sign-in
	// to repeat), which is fine for this data.
	q.Add("_pragma", "synchronous(NORMAL)")
	// Take the write lock at BEGIN, so two writers queue on busy_timeout
	// instead of one failing with SQLITE_BUSY when it upgrades a read lock.
	q.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// privateFiles makes the SQLite database at path, and the files SQLite
// keeps beside it, readable by the kit's user alone (0600).
//
// The threat: the database holds session tokens (whoever reads one is
// signed in as its owner) and bcrypt hashes (which can be attacked
// offline). SQLite creates a new database file 0644 under the usual umask,
// readable by every local user, and creates its -wal and -shm files with
// the database file's mode. So the file is created here first, 0600, for
// SQLite to open, and a database left 0644 by an earlier version of the
// kit is narrowed to its owner's bits (0600), with its companions. A mode
// already narrower stays.
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return fmt.Errorf("creating %s: %w", path, err)
		}
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("creating %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) && p != path {
			continue
		}
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, st.Mode().Perm()&0o700); err != nil {
				return fmt.Errorf("making %s private: %w", p, err)
			}
		}
	}
	return nil
}

// userVersion keeps the schema version in SQLite's PRAGMA user_version,
// which the kit has used since its first migration.
type userVersion struct{}

func (userVersion) version(ctx context.Context, tx *sql.Tx) (int, error) {
	var v int
	err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

func (userVersion) setVersion(ctx context.Context, tx *sql.Tx, m migration) error {
	// PRAGMA takes no bind parameters; the version is an int.
	_, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version))
	return err
}
