package devcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGeneratesReusesAndRenews(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	now := time.Now()
	c, err := LoadOrCreate(dir, now)
	require.NoError(t, err)
	leaf := c.Leaf
	require.NotNil(t, leaf)
	assert.Equal(t, []string{"localhost"}, leaf.DNSNames)
	require.Len(t, leaf.IPAddresses, 2)
	assert.True(t, leaf.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)))
	assert.True(t, leaf.IPAddresses[1].Equal(net.IPv6loopback))
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	require.True(t, ok)
	assert.Equal(t, elliptic.P256(), pub.Curve)
	assert.NoError(t, leaf.VerifyHostname("localhost"))

	st, err := os.Stat(filepath.Join(dir, KeyFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the key is private")

	again, err := LoadOrCreate(dir, now.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, leaf.SerialNumber, again.Leaf.SerialNumber, "reused across restarts")

	renewed, err := LoadOrCreate(dir, now.Add(Validity))
	require.NoError(t, err)
	assert.NotEqual(t, leaf.SerialNumber, renewed.Leaf.SerialNumber, "regenerated when expired")
}

func TestReplacesACorruptPair(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, CertFile), []byte("junk"), 0o644))
	c, err := LoadOrCreate(dir, time.Now())
	require.NoError(t, err)
	assert.NotNil(t, c.Leaf)
}
