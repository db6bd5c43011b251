package pgtest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) { Main(m) }

// TestEachURLIsANewDatabase: two URLs name two empty databases on one
// server.
func TestEachURLIsANewDatabase(t *testing.T) {
	ctx := context.Background()
	a, b := URL(t), URL(t)
	assert.NotEqual(t, a, b)
	ca, err := pgx.Connect(ctx, a)
	require.NoError(t, err)
	defer ca.Close(ctx)
	_, err = ca.Exec(ctx, "CREATE TABLE only_in_a (x integer)")
	require.NoError(t, err)
	cb, err := pgx.Connect(ctx, b)
	require.NoError(t, err)
	defer cb.Close(ctx)
	var n int
	require.NoError(t, cb.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'").Scan(&n))
	assert.Zero(t, n)
}

// TestUsedDatabaseComesBackEmpty: a database a finished test used is
// handed to a later test as new: no table, no row, sequences from 1, and
// no session the first test left connected.
func TestUsedDatabaseComesBackEmpty(t *testing.T) {
	ctx := context.Background()
	var first string
	var leaked *pgx.Conn
	t.Run("first", func(t *testing.T) {
		first = URL(t)
		c, err := pgx.Connect(ctx, first)
		require.NoError(t, err)
		_, err = c.Exec(ctx, "CREATE TABLE used (id serial PRIMARY KEY, x integer); INSERT INTO used (x) VALUES (1), (2)")
		require.NoError(t, err)
		leaked = c // never closed by the test
	})
	t.Cleanup(func() { _ = leaked.Close(ctx) })
	second := URL(t)
	require.Equal(t, first, second, "the used database is handed out again")
	c, err := pgx.Connect(ctx, second)
	require.NoError(t, err)
	defer c.Close(ctx)
	var tables, sessions int
	require.NoError(t, c.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables))
	assert.Zero(t, tables)
	// release's own session may still be on its way out; the leaked one
	// must be gone (pg_terminate_backend waited for it).
	require.NoError(t, c.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", leaked.PgConn().PID()).Scan(&sessions))
	assert.Zero(t, sessions, "the first test's leaked session was ended")
	var id int
	_, err = c.Exec(ctx, "CREATE TABLE used (id serial PRIMARY KEY, x integer)")
	require.NoError(t, err, "the first test's table is gone")
	require.NoError(t, c.QueryRow(ctx, "INSERT INTO used (x) VALUES (3) RETURNING id").Scan(&id))
	assert.Equal(t, 1, id)
}

// TestWithoutPostgreSQL runs this package's tests again in a child
// process where no PostgreSQL is found: with CI unset a test skips with
// one line saying how to install it; with CI set it fails.
func TestWithoutPostgreSQL(t *testing.T) {
	if os.Getenv(BinEnv) != "" {
		t.Skip("the child process's run")
	}
	for _, ci := range []string{"", "true"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEachURLIsANewDatabase$", "-test.v")
		cmd.Env = append(os.Environ(), BinEnv+"="+t.TempDir(), "CI="+ci)
		out, err := cmd.CombinedOutput()
		if ci == "" {
			require.NoError(t, err, "%s", out)
			assert.Contains(t, string(out), "--- SKIP")
			assert.Equal(t, 1, strings.Count(string(out), Install), "one line saying how to install: %s", out)
		} else {
			require.Error(t, err, "%s", out)
			assert.Contains(t, string(out), "PostgreSQL not found and CI is set: install it ("+Install+")")
		}
	}
}
