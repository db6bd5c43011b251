package database

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
)

// openDir opens the SQLite database in dir, as a start with DATA_DIR=dir.
func openDir(ctx context.Context, dir string) (*sql.DB, error) {
	db, dialect, err := Open(ctx, config.Config{DataDir: dir})
	if err == nil && dialect != SQLite {
		panic("DATA_DIR alone must open SQLite")
	}
	return db, err
}

// latest is the schema version Open leaves a database at.
func latest(t *testing.T) int {
	t.Helper()
	ms, err := loadMigrations(migrationFS, sqliteMigrations)
	require.NoError(t, err)
	return len(ms)
}

func userVersionOf(t *testing.T, db *sql.DB) int {
	t.Helper()
	var v int
	require.NoError(t, db.QueryRow("PRAGMA user_version").Scan(&v))
	return v
}

func TestOpenCreatesDataDirWithTheKitsSettings(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet")
	db, err := openDir(context.Background(), dir)
	require.NoError(t, err)
	defer db.Close()
	assert.FileExists(t, filepath.Join(dir, FileName))

	// Every connection of the pool gets the pragmas: hold several at once.
	ctx := context.Background()
	var conns []*sql.Conn
	for range sqliteMaxConns {
		c, err := db.Conn(ctx)
		require.NoError(t, err)
		conns = append(conns, c)
	}
	for i, c := range conns {
		var mode string
		var busy, sync int
		require.NoError(t, c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
		require.NoError(t, c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy))
		require.NoError(t, c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync))
		assert.Equal(t, "wal", mode, "connection %d", i)
		assert.Equal(t, 5000, busy, "connection %d", i)
		assert.Equal(t, 1, sync, "connection %d: synchronous NORMAL", i)
		require.NoError(t, c.Close())
	}
	assert.Equal(t, latest(t), userVersionOf(t, db))
	for _, table := range []string{"violations", "noise", "sessions", "users"} {
		var n int
		require.NoError(t, db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", table).Scan(&n))
		assert.Equal(t, 1, n, "table %s", table)
	}
}

// The schema as the kit created it before this package existed: the
// report store's migration 001 (user_version 1) and, separately and
// without a version, the session store's table. Copied here on purpose:
// the test must keep describing those old files even if the migrations
// folder is edited by mistake.
const (
	reportsSchemaV1 = `
CREATE TABLE violations (
    id            INTEGER PRIMARY KEY,
    route_group   TEXT    NOT NULL,
    directive     TEXT    NOT NULL,
    blocked_url   TEXT    NOT NULL,
    document_path TEXT    NOT NULL,
    disposition   TEXT    NOT NULL,
    count         INTEGER NOT NULL,
    first_seen    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    sample        TEXT    NOT NULL,
    source_file   TEXT    NOT NULL,
    line          INTEGER NOT NULL,
    col           INTEGER NOT NULL,
    user_agent    TEXT    NOT NULL,
    UNIQUE (route_group, directive, blocked_url, document_path, disposition)
);
CREATE INDEX violations_last_seen ON violations (last_seen, id);
CREATE TABLE noise (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    count INTEGER NOT NULL
);
INSERT INTO noise (id, count) VALUES (1, 0);
PRAGMA user_version = 1;
INSERT INTO violations (route_group, directive, blocked_url, document_path, disposition,
	count, first_seen, last_seen, sample, source_file, line, col, user_agent)
VALUES ('demo', 'script-src-elem', 'inline', '/demo', 'enforce', 7, 1, 2, '', '', 0, 0, 'ua');
UPDATE noise SET count = 3 WHERE id = 1;`

	sessionsSchemaUnversioned = `
CREATE TABLE IF NOT EXISTS sessions (
	token  TEXT PRIMARY KEY,
	data   BLOB NOT NULL,
	expiry REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions(expiry);
INSERT INTO sessions (token, data, expiry) VALUES ('tok', x'01', julianday('now') + 1);`
)

// TestUpgradesDatabasesOfEarlierVersions: a ./data/noncekit.db written by
// an earlier kit opens, keeps its reports and its visitors' sessions, and
// ends at the latest version.
func TestUpgradesDatabasesOfEarlierVersions(t *testing.T) {
	tests := []struct {
		name string
		sql  []string
		// What the old file held, and must still hold: the demo row's
		// count (0: no row), the noise count, live sessions.
		count, noise, sessions int
	}{
		{"new empty file", nil, 0, 0, 0},
		{"reports only (sessions in Redis)", []string{reportsSchemaV1}, 7, 3, 0},
		{"reports and sessions", []string{reportsSchemaV1, sessionsSchemaUnversioned}, 7, 3, 1},
		{"sessions opened first", []string{sessionsSchemaUnversioned, reportsSchemaV1}, 7, 3, 1},
		{"sessions only, version 0", []string{sessionsSchemaUnversioned}, 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			old, err := sql.Open("sqlite", filepath.Join(dir, FileName)+"?_pragma=journal_mode(WAL)")
			require.NoError(t, err)
			for _, s := range tt.sql {
				_, err := old.Exec(s)
				require.NoError(t, err)
			}
			require.NoError(t, old.Close())

			ctx := context.Background()
			db, err := openDir(ctx, dir)
			require.NoError(t, err)
			assert.Equal(t, latest(t), userVersionOf(t, db))

			var count, noise, sessions int
			require.NoError(t, db.QueryRow("SELECT coalesce(sum(count), 0) FROM violations WHERE route_group = 'demo'").Scan(&count))
			require.NoError(t, db.QueryRow("SELECT count FROM noise WHERE id = 1").Scan(&noise))
			require.NoError(t, db.QueryRow("SELECT count(*) FROM sessions WHERE token = 'tok' AND julianday('now') < expiry").Scan(&sessions))
			assert.Equal(t, tt.count, count, "violations")
			assert.Equal(t, tt.noise, noise, "noise")
			assert.Equal(t, tt.sessions, sessions, "live sessions")

			// Both tables take writes after the upgrade.
			_, err = db.Exec("REPLACE INTO sessions (token, data, expiry) VALUES ('new', x'02', julianday('now') + 1)")
			require.NoError(t, err)
			_, err = db.Exec("UPDATE noise SET count = count + 1 WHERE id = 1")
			require.NoError(t, err)

			// And the next start finds nothing to do.
			require.NoError(t, db.Close())
			again, err := openDir(ctx, dir)
			require.NoError(t, err)
			assert.Equal(t, latest(t), userVersionOf(t, again))
			require.NoError(t, again.Close())
		})
	}
}

func TestRefusesANewerSchema(t *testing.T) {
	dir := t.TempDir()
	db, err := openDir(context.Background(), dir)
	require.NoError(t, err)
	_, err = db.Exec("PRAGMA user_version = 99")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	_, err = openDir(context.Background(), dir)
	assert.ErrorContains(t, err, "newer than this program")
}

// TestConcurrentFirstOpen: two processes (here, pools) starting on one new
// DATA_DIR at once must not both run a migration.
func TestConcurrentFirstOpen(t *testing.T) {
	dir := t.TempDir()
	const n = 4
	dbs := make([]*sql.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = openDir(context.Background(), dir) })
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i], "pool %d", i)
		assert.Equal(t, latest(t), userVersionOf(t, dbs[i]))
		require.NoError(t, dbs[i].Close())
	}
}

func TestUnwritableDataDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err := openDir(context.Background(), filepath.Join(file, "sub"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "DATA_DIR="+filepath.Join(file, "sub"))
}

func TestMigrationNames(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"not numbered": {"m/x_init.sql": {}},
		"a gap":        {"m/001_a.sql": {}, "m/003_b.sql": {}},
		"zero":         {"m/000_a.sql": {}},
		"none":         {"m/readme.txt": {}},
	} {
		_, err := loadMigrations(fsys, "m")
		assert.Error(t, err, name)
	}
	ms, err := loadMigrations(fstest.MapFS{"m/002_b.sql": {Data: []byte("b")}, "m/001_a.sql": {Data: []byte("a")}}, "m")
	require.NoError(t, err)
	assert.Equal(t, []migration{{1, "001_a.sql", "a"}, {2, "002_b.sql", "b"}}, ms, "sorted by number")
}

// TestFailedMigrationKeepsThePreviousVersion: a migration that fails is
// rolled back with its version bump; the ones before it stay applied.
func TestFailedMigrationKeepsThePreviousVersion(t *testing.T) {
	db, err := sql.Open("sqlite", sqliteDSN(filepath.Join(t.TempDir(), FileName)))
	require.NoError(t, err)
	defer db.Close()
	ms := []migration{
		{1, "001_a.sql", "CREATE TABLE a (x INTEGER)"},
		{2, "002_b.sql", "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1)"},
	}
	err = migrate(context.Background(), db, userVersion{}, ms)
	assert.ErrorContains(t, err, "migration 002_b.sql")
	assert.Equal(t, 1, userVersionOf(t, db))
	var tables []string
	rows, err := db.Query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		tables = append(tables, n)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"a"}, tables, "002's table was rolled back")
}

// TestSQLiteFilesArePrivate reproduces issue 21's finding (noncekit.db 0644
// in a 0755 folder: session tokens and bcrypt hashes readable by every
// local user) and shows it fixed: a new DATA_DIR is 0700 and the database
// with its -wal and -shm files 0600, under the usual umask; a database an
// earlier version left 0644 is narrowed when opened.
func TestSQLiteFilesArePrivate(t *testing.T) {
	ctx := context.Background()
	mode := func(p string) os.FileMode {
		t.Helper()
		st, err := os.Stat(p)
		require.NoError(t, err)
		return st.Mode().Perm()
	}
	files := func(dir string) []string {
		p := filepath.Join(dir, FileName)
		return []string{p, p + "-wal", p + "-shm"}
	}

	dir := filepath.Join(t.TempDir(), "data")
	db, err := openDir(ctx, dir)
	require.NoError(t, err)
	// A write, so the WAL and its index exist and hold something.
	_, err = db.ExecContext(ctx, "CREATE TABLE t (x)")
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), mode(dir), "DATA_DIR")
	for _, p := range files(dir) {
		assert.Equal(t, os.FileMode(0o600), mode(p), p)
	}
	require.NoError(t, db.Close())

	// As an earlier version left them: world-readable.
	for _, p := range files(dir) {
		if _, err := os.Stat(p); err == nil {
			require.NoError(t, os.Chmod(p, 0o644))
		}
	}
	db, err = openDir(ctx, dir)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.ExecContext(ctx, "INSERT INTO t VALUES (1)")
	require.NoError(t, err)
	for _, p := range files(dir) {
		assert.Equal(t, os.FileMode(0o600), mode(p), p)
	}
}
