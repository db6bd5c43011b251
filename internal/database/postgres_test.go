package database

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/testsupport/pgtest"
)

// openURL opens the PostgreSQL database at url, as a start with
// DATABASE_URL=url.
func openURL(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, dialect, err := Open(context.Background(), config.Config{DatabaseURL: url, DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, db.Close()) })
	assert.Equal(t, Postgres, dialect)
	assert.Equal(t, Postgres, DialectOf(db))
	return db
}

// applied lists the migrations recorded in schema_migrations, in order.
func applied(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("SELECT name FROM schema_migrations ORDER BY version")
	require.NoError(t, err)
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Err())
	return names
}

func postgresNames(t *testing.T) []string {
	t.Helper()
	ms, err := loadMigrations(migrationFS, postgresMigrations)
	require.NoError(t, err)
	var names []string
	for _, m := range ms {
		names = append(names, m.name)
	}
	return names
}

func TestPostgresOpenCreatesEveryTable(t *testing.T) {
	db := openURL(t, pgtest.URL(t))
	assert.Equal(t, postgresNames(t), applied(t, db))
	for _, table := range []string{"violations", "noise", "sessions", "users"} {
		var n int
		require.NoError(t, db.QueryRow("SELECT count(*) FROM information_schema.tables WHERE table_name = $1", table).Scan(&n))
		assert.Equal(t, 1, n, "table %s", table)
	}
	var noise int64
	require.NoError(t, db.QueryRow("SELECT count FROM noise WHERE id = 1").Scan(&noise))
	assert.Zero(t, noise)
}

// TestPostgresConcurrentFirstStart: instances starting at once on one new
// database each end at the latest version, and no migration runs twice
// (each creates its tables without IF NOT EXISTS, so a second run would
// fail, and schema_migrations holds each once).
func TestPostgresConcurrentFirstStart(t *testing.T) {
	url := pgtest.URL(t)
	const n = 4
	dbs := make([]*sql.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			dbs[i], _, errs[i] = Open(context.Background(), config.Config{DatabaseURL: url})
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i], "instance %d", i)
		assert.Equal(t, postgresNames(t), applied(t, dbs[i]), "instance %d", i)
		require.NoError(t, dbs[i].Close())
	}
}

func TestPostgresRestartFindsNothingToDo(t *testing.T) {
	url := pgtest.URL(t)
	first := openURL(t, url)
	_, err := first.Exec("INSERT INTO users (email, name, password_hash, role, created) VALUES ('a@example.com', 'a', 'x', 'user', 1)")
	require.NoError(t, err)
	again := openURL(t, url)
	assert.Equal(t, postgresNames(t), applied(t, again))
	var n int
	require.NoError(t, again.QueryRow("SELECT count(*) FROM users").Scan(&n))
	assert.Equal(t, 1, n, "the data is kept")
}

func TestPostgresRefusesANewerSchema(t *testing.T) {
	url := pgtest.URL(t)
	db := openURL(t, url)
	_, err := db.Exec("INSERT INTO schema_migrations (version, name) VALUES (99, '099_future.sql')")
	require.NoError(t, err)
	_, _, err = Open(context.Background(), config.Config{DatabaseURL: url})
	assert.ErrorContains(t, err, "newer than this program")
}

// TestPostgresFailedMigrationKeepsThePreviousVersion: PostgreSQL's DDL is
// transactional, so a failing migration leaves neither its tables nor its
// version behind.
func TestPostgresFailedMigrationKeepsThePreviousVersion(t *testing.T) {
	db, err := sql.Open("pgx", pgtest.URL(t))
	require.NoError(t, err)
	defer db.Close()
	ms := []migration{
		{1, "001_a.sql", "CREATE TABLE a (x integer)"},
		{2, "002_b.sql", "CREATE TABLE b (x integer); INSERT INTO nowhere VALUES (1)"},
	}
	err = migrate(context.Background(), db, migrationsTable{}, ms)
	assert.ErrorContains(t, err, "migration 002_b.sql")
	assert.Equal(t, []string{"001_a.sql"}, applied(t, db))
	var b sql.NullString
	require.NoError(t, db.QueryRow("SELECT to_regclass('b')::text").Scan(&b))
	assert.False(t, b.Valid, "002's table was rolled back")
}

// TestPostgresUnreachable: a start-up error naming DATABASE_URL, without
// its password, never a hang.
func TestPostgresUnreachable(t *testing.T) {
	for _, url := range []string{
		"postgres://kit:s3cret@127.0.0.1:1/kit?connect_timeout=5", // nothing listens on port 1
		"postgres://kit:s3cret@127.0.0.1:5432/kit?sslmode=bogus",  // pgx refuses the URL
	} {
		_, _, err := Open(context.Background(), config.Config{DatabaseURL: url})
		require.Error(t, err, url)
		assert.Contains(t, err.Error(), "DATABASE_URL=postgres://kit:xxxxx@127.0.0.1", url)
		assert.NotContains(t, err.Error(), "s3cret", url)
	}
}
