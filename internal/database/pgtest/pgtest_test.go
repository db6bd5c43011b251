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
