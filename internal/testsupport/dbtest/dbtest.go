// Package dbtest runs a test against each of the kit's database engines:
// SQLite always, PostgreSQL on pgtest's throwaway server (skipped, with
// one line saying how to install it, when PostgreSQL is missing and CI is
// unset). A package whose tests use it has a TestMain calling
// pgtest.Main.
package dbtest

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/testsupport/pgtest"
)

// Engine is one database engine.
type Engine struct {
	Dialect database.Dialect
	// newConfig returns settings naming a new, empty database.
	newConfig func(t testing.TB) config.Config
}

// Engines are the kit's: SQLite and PostgreSQL.
var Engines = []Engine{
	{database.SQLite, func(t testing.TB) config.Config { return config.Config{DataDir: t.TempDir()} }},
	{database.Postgres, func(t testing.TB) config.Config {
		return config.Config{DatabaseURL: pgtest.URL(t), DataDir: t.TempDir()}
	}},
}

// Each runs f as one subtest per engine, named for its dialect. The
// subtests run in parallel: each has its own database, and a PostgreSQL
// test spends most of its time waiting on the server, not the CPU.
func Each(t *testing.T, f func(t *testing.T, e Engine)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(string(e.Dialect), func(t *testing.T) {
			t.Parallel()
			f(t, e)
		})
	}
}

// Config returns settings naming a new, empty database of the engine: a
// DATA_DIR for SQLite, a DATABASE_URL for PostgreSQL.
func (e Engine) Config(t testing.TB) config.Config {
	t.Helper()
	return e.newConfig(t)
}

// New opens a new, empty, migrated database of the engine, closed when
// the test ends.
func (e Engine) New(t testing.TB) *sql.DB {
	t.Helper()
	return Open(t, e.Config(t))
}

// Open opens (and migrates) the database cfg names, as a start with those
// settings would; each call is another handle, as another process or a
// restart would have. It is closed when the test ends.
func Open(t testing.TB, cfg config.Config) *sql.DB {
	t.Helper()
	db, _, err := database.Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, db.Close()) })
	return db
}
