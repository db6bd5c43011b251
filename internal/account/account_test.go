package account

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

func TestDemoHash(t *testing.T) {
	for _, h := range []string{demoHash, dummyHash} {
		cost, err := bcrypt.Cost([]byte(h))
		require.NoError(t, err)
		assert.GreaterOrEqual(t, cost, MinCost, "bcrypt cost")
	}
	dc, _ := bcrypt.Cost([]byte(dummyHash))
	hc, _ := bcrypt.Cost([]byte(demoHash))
	assert.Equal(t, hc, dc, "the dummy hash must cost what a real one costs, or timing tells emails apart")
	assert.NoError(t, bcrypt.CompareHashAndPassword([]byte(demoHash), []byte(DemoPassword)))
}

func TestAuthenticate(t *testing.T) {
	d := Demo()
	tests := []struct {
		name, email, password string
		ok                    bool
	}{
		{"demo account", DemoEmail, DemoPassword, true},
		{"email case and spaces", "  Demo@NonceKit.dev ", DemoPassword, true},
		{"wrong password", DemoEmail, "guess", false},
		{"password case", DemoEmail, strings.ToUpper(DemoPassword), false},
		{"unknown email", "nobody@noncekit.dev", DemoPassword, false},
		{"empty", "", "", false},
		{"longer than bcrypt reads", DemoEmail, DemoPassword + "\x00" + strings.Repeat("x", 80), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := d.Authenticate(tt.email, tt.password)
			if tt.ok {
				require.NoError(t, err)
				assert.Equal(t, "demo", u.ID)
				return
			}
			assert.Equal(t, ErrInvalidCredentials, err, "one error for every failure")
			assert.Zero(t, u)
		})
	}
}

// TestUnknownEmailCostsAsMuchAsAWrongPassword checks that both failures
// run one bcrypt comparison: each takes at least half the other's time.
func TestUnknownEmailCostsAsMuchAsAWrongPassword(t *testing.T) {
	d := Demo()
	measure := func(email string) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			_, _ = d.Authenticate(email, "wrong")
			best = min(best, time.Since(start))
		}
		return best
	}
	unknown, wrong := measure("nobody@noncekit.dev"), measure(DemoEmail)
	assert.Greater(t, unknown, wrong/2, "unknown email %v, wrong password %v", unknown, wrong)
	assert.Greater(t, wrong, unknown/2, "unknown email %v, wrong password %v", unknown, wrong)
}

func TestLookup(t *testing.T) {
	d := Demo()
	u, ok := d.Lookup("demo")
	require.True(t, ok)
	assert.Equal(t, DemoEmail, u.Email)
	_, ok = d.Lookup("gone")
	assert.False(t, ok)
}
