package session

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/testsupport/dbtest"
	"github.com/noncekit/noncekit/internal/testsupport/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestDatabaseStores: on either engine, sessions live in the database's
// sessions table (scs's sqlite3store or postgresstore, on the table the
// migrations create), and two instances on one database share them: a
// session saved through one is found, replaced and deleted through the
// other.
func TestDatabaseStores(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		cfg := e.Config(t)
		open := func() *Sessions {
			s, err := Open(config.Config{}, dbtest.Open(t, cfg))
			require.NoError(t, err)
			t.Cleanup(func() { assert.NoError(t, s.Close()) })
			return s
		}
		a, b := open(), open()
		assert.Equal(t, string(e.Dialect), a.Backend)
		storeContract(t, a)

		require.NoError(t, a.Manager.Store.Commit("shared", []byte("from a"), time.Now().Add(time.Hour)))
		got, ok, err := b.Manager.Store.Find("shared")
		require.NoError(t, err)
		assert.True(t, ok, "a session saved on one instance is found on the other")
		assert.Equal(t, []byte("from a"), got)
		require.NoError(t, b.Manager.Store.Delete("shared"))
		_, ok, err = a.Manager.Store.Find("shared")
		require.NoError(t, err)
		assert.False(t, ok, "deleted on the other instance")

		all, err := a.Manager.Store.(interface {
			All() (map[string][]byte, error)
		}).All()
		require.NoError(t, err)
		assert.Empty(t, all, "All skips expired sessions")
	})
}
