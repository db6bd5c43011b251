package account

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/noncekit/noncekit/internal/testsupport/dbtest"
	"github.com/noncekit/noncekit/internal/testsupport/pgtest"
)

// The stored accounts the directory tests use.
const (
	testEmail     = "ada@example.com"
	testPassword  = "correct horse battery"
	otherEmail    = "bob@example.com"
	otherPassword = "bob's password 1"
)

// testCost is the bcrypt cost of the tests' stores (newStore): bcrypt's
// minimum, 64 times cheaper than DefaultCost, which TestDefaultCost checks
// on its own.
const testCost = bcrypt.MinCost

// newStore is NewStore at testCost.
func newStore(db *sql.DB) *Store {
	st := NewStore(db)
	st.Cost = testCost
	return st
}

// Every test of the users table runs on both engines (dbtest.Each); the
// PostgreSQL server is the test binary's.
func TestMain(m *testing.M) { pgtest.Main(m) }

func openDB(t *testing.T, e dbtest.Engine) *sql.DB {
	t.Helper()
	return e.New(t)
}

// testDirectory holds two stored accounts, Ada and Bob, both users.
func testDirectory(t *testing.T, e dbtest.Engine) (*Directory, *Store, User) {
	t.Helper()
	st := newStore(openDB(t, e))
	ada, err := st.Create(context.Background(), NewAccount{Email: testEmail, Name: "Ada", Role: RoleUser, Password: testPassword})
	require.NoError(t, err)
	_, err = st.Create(context.Background(), NewAccount{Email: otherEmail, Name: "Bob", Role: RoleUser, Password: otherPassword})
	require.NoError(t, err)
	return NewDirectory(st), st, ada
}

func TestDummyHashCost(t *testing.T) {
	cost, err := bcrypt.Cost([]byte(dummyHash))
	require.NoError(t, err)
	assert.Equal(t, DefaultCost, cost, "an unknown email costs what a stored hash costs")
}

// TestDefaultCost: a store as the kit makes it (NewStore, Cost unset)
// stores hashes at DefaultCost, and its directory compares an unknown email
// at that cost too. One engine is enough: the cost is the Go code's.
func TestDefaultCost(t *testing.T) {
	t.Parallel()
	db := dbtest.Engines[0].New(t)
	st := NewStore(db)
	_, err := st.Create(context.Background(), NewAccount{Email: testEmail, Role: RoleUser, Password: testPassword})
	require.NoError(t, err)
	var stored string
	require.NoError(t, db.QueryRow("SELECT password_hash FROM users").Scan(&stored))
	cost, err := bcrypt.Cost([]byte(stored))
	require.NoError(t, err)
	assert.Equal(t, DefaultCost, cost)

	d := NewDirectory(st)
	var costs []int
	d.compare = func(hash, password []byte) error {
		c, err := bcrypt.Cost(hash)
		require.NoError(t, err)
		costs = append(costs, c)
		return bcrypt.ErrMismatchedHashAndPassword
	}
	for _, email := range []string{"nobody@example.com", testEmail} {
		_, err := d.Authenticate(context.Background(), email, "wrong")
		require.ErrorIs(t, err, ErrInvalidCredentials)
	}
	assert.Equal(t, []int{DefaultCost, DefaultCost}, costs)
}

// TestStoreCostRefused: a cost bcrypt cannot use is an error naming it,
// not bcrypt's silent fallback to its default.
func TestStoreCostRefused(t *testing.T) {
	t.Parallel()
	for _, cost := range []int{-1, 1, bcrypt.MinCost - 1, bcrypt.MaxCost + 1} {
		st := newStore(dbtest.Engines[0].New(t))
		st.Cost = cost
		_, err := st.Create(context.Background(), NewAccount{Email: testEmail, Role: RoleUser, Password: testPassword})
		assert.ErrorContains(t, err, "Store.Cost", "cost %d", cost)
		_, err = NewDirectory(st).Authenticate(context.Background(), testEmail, testPassword)
		assert.Error(t, err, "cost %d", cost)
		assert.NotErrorIs(t, err, ErrInvalidCredentials, "cost %d: a misconfigured store is not a wrong password", cost)
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		d, _, ada := testDirectory(t, e)
		ctx := context.Background()
		tests := []struct {
			name, email, password string
			id                    string // "" when refused
		}{
			{"stored account", testEmail, testPassword, ada.ID},
			{"email case and spaces", "  Ada@Example.COM ", testPassword, ada.ID},
			{"wrong password", testEmail, "guess", ""},
			{"password case", testEmail, strings.ToUpper(testPassword), ""},
			{"another account's password", testEmail, otherPassword, ""},
			{"unknown email", "nobody@example.com", testPassword, ""},
			{"empty", "", "", ""},
			{"longer than bcrypt reads", testEmail, testPassword + "\x00" + strings.Repeat("x", 80), ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				u, err := d.Authenticate(ctx, tt.email, tt.password)
				if tt.id != "" {
					require.NoError(t, err)
					assert.Equal(t, tt.id, u.ID)
					return
				}
				assert.Equal(t, ErrInvalidCredentials, err, "one error for every failure")
				assert.Zero(t, u)
			})
		}
	})
}

// TestEveryFailureDoesTheSameWork proves, by counting, that an unknown
// email runs exactly one bcrypt comparison at the same cost as a wrong
// password does: the answer's
// timing cannot tell which emails have accounts. (A stopwatch comparison
// would flake on a loaded machine.)
func TestEveryFailureDoesTheSameWork(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		d, _, _ := testDirectory(t, e)
		var costs []int
		compare := d.compare
		d.compare = func(hash, password []byte) error {
			c, err := bcrypt.Cost(hash)
			require.NoError(t, err)
			costs = append(costs, c)
			return compare(hash, password)
		}
		for _, email := range []string{"nobody@example.com", testEmail, otherEmail, ""} {
			costs = costs[:0]
			_, err := d.Authenticate(context.Background(), email, "wrong")
			require.ErrorIs(t, err, ErrInvalidCredentials)
			assert.Equal(t, []int{testCost}, costs, "email %q: one comparison at the stored cost", email)
		}
	})
}

// TestDatabaseFailureIsNotAWrongPassword: a closed database is an error
// of its own (the page answers 500), and runs no bcrypt.
func TestDatabaseFailureIsNotAWrongPassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		db := openDB(t, e)
		d := NewDirectory(newStore(db))
		calls := 0
		d.compare = func([]byte, []byte) error { calls++; return nil }
		require.NoError(t, db.Close())
		_, err := d.Authenticate(context.Background(), testEmail, testPassword)
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrInvalidCredentials)
		assert.Zero(t, calls)
		_, err = d.Lookup(context.Background(), "1")
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrNotFound, "a failing database does not sign anyone out")
	})
}

func TestLookup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		d, _, ada := testDirectory(t, e)
		ctx := context.Background()
		u, err := d.Lookup(ctx, ada.ID)
		require.NoError(t, err)
		assert.Equal(t, ada, u)
		assert.Equal(t, RoleUser, u.Role)

		for _, id := range []string{"", "999", "0", "-1", "0" + ada.ID, ada.ID + " ", "demo", "guest:demo"} {
			_, err := d.Lookup(ctx, id)
			assert.ErrorIs(t, err, ErrNotFound, "id %q", id)
		}
		_, err = NewDirectory(nil).Lookup(ctx, ada.ID)
		assert.ErrorIs(t, err, ErrNotFound, "a directory without a store has no accounts")
	})
}

func TestStoreCreate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		st := newStore(openDB(t, e))
		st.now = func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) }
		ctx := context.Background()
		u, err := st.Create(ctx, NewAccount{Email: " Op@Example.COM", Role: RoleOperator, Password: "twelve chars"})
		require.NoError(t, err)
		assert.Equal(t, User{ID: "1", Email: "op@example.com", Name: "op", Role: RoleOperator, Created: st.now()}, u)
		list, err := st.List(ctx)
		require.NoError(t, err)
		assert.Equal(t, []User{u}, list)
		n, err := st.Operators(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)

		tests := []struct {
			name string
			a    NewAccount
			want string
		}{
			{"no email", NewAccount{Role: RoleUser, Password: "twelve chars"}, "email: required"},
			{"not an address", NewAccount{Email: "op", Role: RoleUser, Password: "twelve chars"}, "plain address"},
			{"display name", NewAccount{Email: "Op <op2@example.com>", Role: RoleUser, Password: "twelve chars"}, "plain address"},
			{"too long", NewAccount{Email: strings.Repeat("a", 250) + "@example.com", Role: RoleUser, Password: "twelve chars"}, "at most 254"},
			{"short password", NewAccount{Email: "b@example.com", Role: RoleUser, Password: "eleven char"}, "at least 12"},
			{"password past bcrypt", NewAccount{Email: "b@example.com", Role: RoleUser, Password: strings.Repeat("x", 73)}, "at most 72"},
			{"no role", NewAccount{Email: "b@example.com", Password: "twelve chars"}, "want operator or user"},
			{"unknown role", NewAccount{Email: "b@example.com", Role: "admin", Password: "twelve chars"}, "want operator or user"},
			{"control in name", NewAccount{Email: "b@example.com", Name: "a\nb", Role: RoleUser, Password: "twelve chars"}, "name"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := st.Create(ctx, tt.a)
				assert.ErrorContains(t, err, tt.want)
			})
		}
		_, err = st.Create(ctx, NewAccount{Email: "OP@example.com", Role: RoleUser, Password: "twelve chars"})
		assert.ErrorIs(t, err, ErrEmailTaken, "the same email in another case")
		list, err = st.List(ctx)
		require.NoError(t, err)
		assert.Len(t, list, 1, "nothing refused was stored")
	})
}

// TestIDsAreNeverReused: a session that outlived a deleted account must
// not sign its holder in as whoever is added next.
func TestIDsAreNeverReused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		db := openDB(t, e)
		st := newStore(db)
		ctx := context.Background()
		first, err := st.Create(ctx, NewAccount{Email: "a@example.com", Role: RoleOperator, Password: "twelve chars"})
		require.NoError(t, err)
		_, err = db.Exec("DELETE FROM users WHERE id = $1", first.ID)
		require.NoError(t, err)
		second, err := st.Create(ctx, NewAccount{Email: "b@example.com", Role: RoleUser, Password: "twelve chars"})
		require.NoError(t, err)
		assert.NotEqual(t, first.ID, second.ID)
		_, err = NewDirectory(st).Lookup(ctx, first.ID)
		assert.ErrorIs(t, err, ErrNotFound)
	})
}

func TestStoreUpdates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		d, st, ada := testDirectory(t, e)
		ctx := context.Background()

		require.NoError(t, st.SetPassword(ctx, "ADA@example.com", "a new password"))
		_, err := d.Authenticate(ctx, testEmail, testPassword)
		assert.ErrorIs(t, err, ErrInvalidCredentials, "the old password is gone")
		_, err = d.Authenticate(ctx, testEmail, "a new password")
		require.NoError(t, err)
		assert.ErrorContains(t, st.SetPassword(ctx, testEmail, "short"), "at least 12")
		assert.ErrorIs(t, st.SetPassword(ctx, "nobody@example.com", "a new password"), ErrNotFound)

		require.NoError(t, st.SetRole(ctx, testEmail, RoleOperator))
		u, err := d.Lookup(ctx, ada.ID)
		require.NoError(t, err)
		assert.True(t, u.IsOperator(), "a role change shows on the next lookup")
		assert.ErrorContains(t, st.SetRole(ctx, testEmail, "root"), "want operator or user")
		assert.ErrorIs(t, st.SetRole(ctx, "nobody@example.com", RoleUser), ErrNotFound)
	})
}

func TestCheckPassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"":                        false,
		"elevenchars":             false,
		"twelve chars":            true,
		"ééééééééééé":             false, // 11 characters, 22 bytes
		"éééééééééééé":            true,
		strings.Repeat("x", 72):   true,
		strings.Repeat("x", 73):   false,
		strings.Repeat("é", 37):   false, // 74 bytes
		"valid then \xff invalid": false,
	} {
		assert.Equal(t, ok, CheckPassword(pw) == nil, "%q", pw)
	}
}

// TestDeviceKey: a key per account, the same on every read (every instance
// on the database), different between accounts, and changed by a new
// password (which revokes what the old one signed); none for an unknown
// email.
func TestDeviceKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		d, st, _ := testDirectory(t, e)
		ctx := context.Background()
		ada, err := d.DeviceKey(ctx, testEmail)
		require.NoError(t, err)
		assert.Len(t, ada, 32)
		again, err := NewDirectory(st).DeviceKey(ctx, " ADA@example.com")
		require.NoError(t, err)
		assert.Equal(t, ada, again, "the same key, whoever reads it")
		bob, err := d.DeviceKey(ctx, otherEmail)
		require.NoError(t, err)
		assert.NotEqual(t, ada, bob)

		require.NoError(t, st.SetPassword(ctx, testEmail, "a brand new password"))
		renewed, err := d.DeviceKey(ctx, testEmail)
		require.NoError(t, err)
		assert.NotEqual(t, ada, renewed, "a new password, a new key")

		_, err = d.DeviceKey(ctx, "nobody@example.com")
		assert.ErrorIs(t, err, ErrNotFound)
	})
}
