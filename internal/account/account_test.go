package account

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

// testPassword's hash is made once per test binary at the cost every
// stored hash must have.
const testPassword = "correct horse"

func testDirectory(t *testing.T) *Directory {
	t.Helper()
	cost, err := bcrypt.Cost([]byte(dummyHash))
	require.NoError(t, err)
	h, err := bcrypt.GenerateFromPassword([]byte(testPassword), cost)
	require.NoError(t, err)
	d := New()
	require.NoError(t, d.Add(User{ID: "ada", Email: "ada@example.com", Name: "Ada"}, string(h)))
	return d
}

func TestDummyHashCost(t *testing.T) {
	cost, err := bcrypt.Cost([]byte(dummyHash))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, cost, MinCost, "bcrypt cost")
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	d := testDirectory(t)
	tests := []struct {
		name, email, password string
		ok                    bool
	}{
		{"right password", "ada@example.com", testPassword, true},
		{"email case and spaces", "  Ada@Example.COM ", testPassword, true},
		{"wrong password", "ada@example.com", "guess", false},
		{"password case", "ada@example.com", strings.ToUpper(testPassword), false},
		{"unknown email", "nobody@example.com", testPassword, false},
		{"empty", "", "", false},
		{"longer than bcrypt reads", "ada@example.com", testPassword + "\x00" + strings.Repeat("x", 80), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := d.Authenticate(tt.email, tt.password)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, "ada", u.ID)
				return
			}
			assert.Equal(t, ErrInvalidCredentials, err, "one error for every failure")
			assert.Zero(t, u)
		})
	}
}

// TestEveryFailureDoesTheSameWork proves, by counting, that an unknown
// email runs exactly one bcrypt comparison at the same cost as a wrong
// password does: the answer's timing cannot tell which emails have
// accounts. (A stopwatch comparison would flake on a loaded machine.)
func TestEveryFailureDoesTheSameWork(t *testing.T) {
	t.Parallel()
	d := testDirectory(t)
	var costs []int
	compare := d.compare
	d.compare = func(hash, password []byte) error {
		c, err := bcrypt.Cost(hash)
		require.NoError(t, err)
		costs = append(costs, c)
		return compare(hash, password)
	}
	for _, email := range []string{"nobody@example.com", "ada@example.com", ""} {
		costs = costs[:0]
		_, err := d.Authenticate(email, "wrong")
		require.ErrorIs(t, err, ErrInvalidCredentials)
		want, _ := bcrypt.Cost([]byte(dummyHash))
		assert.Equal(t, []int{want}, costs, "email %q: one comparison at the stored cost", email)
	}
}

func TestAddRefuses(t *testing.T) {
	t.Parallel()
	d := testDirectory(t)
	cheap, err := bcrypt.GenerateFromPassword([]byte("x"), bcrypt.MinCost)
	require.NoError(t, err)
	good, err := bcrypt.GenerateFromPassword([]byte("x"), MinCost)
	require.NoError(t, err)
	tests := []struct {
		name string
		u    User
		hash string
		want string
	}{
		{"not bcrypt", User{ID: "b", Email: "b@example.com"}, "plain", "not a bcrypt hash"},
		{"cheaper than the rest", User{ID: "b", Email: "b@example.com"}, string(cheap), "bcrypt cost"},
		{"no id", User{Email: "b@example.com"}, string(good), "required"},
		{"id taken", User{ID: "ada", Email: "b@example.com"}, string(good), "taken"},
		{"email taken", User{ID: "b", Email: "ADA@example.com"}, string(good), "taken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorContains(t, d.Add(tt.u, tt.hash), tt.want)
		})
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	d := testDirectory(t)
	u, ok := d.Lookup("ada")
	require.True(t, ok)
	assert.Equal(t, "ada@example.com", u.Email)
	_, ok = d.Lookup("gone")
	assert.False(t, ok)
}
