package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDatabaseURL: DATABASE_URL takes a postgres:// or postgresql:// URL
// as it is (pgx reads its query settings); anything else is a start-up
// error naming the setting, with the password hidden.
func TestDatabaseURL(t *testing.T) {
	for _, v := range []string{"postgres://kit:pw@db:5432/kit?sslmode=require", "postgresql://db/kit", "postgres:///kit?host=/run/postgresql"} {
		c, err := FromEnv(env(map[string]string{"DATABASE_URL": v}))
		require.NoError(t, err, v)
		assert.Equal(t, v, c.DatabaseURL)
	}
	c, err := FromEnv(env(nil))
	require.NoError(t, err)
	assert.Empty(t, c.DatabaseURL, "unset: SQLite in DATA_DIR")

	for _, v := range []string{"mysql://kit:s3cret@db/kit", "db:5432", "sqlite:///data/noncekit.db", "postgres://kit:s3cret@db:5432/%zz"} {
		_, err := FromEnv(env(map[string]string{"DATABASE_URL": v}))
		require.Error(t, err, v)
		assert.Contains(t, err.Error(), "DATABASE_URL=", v)
		assert.NotContains(t, err.Error(), "s3cret", v)
	}
}
