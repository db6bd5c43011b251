package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPublicProxyRanges: the ranges TRUSTED_PROXIES may not trust, alone
// or together, and the ones it may, read as FromEnv reads them. Issue 21's
// case, 0.0.0.0/1,128.0.0.0/1, is the whole IPv4 internet in two entries.
func TestPublicProxyRanges(t *testing.T) {
	tests := []struct {
		value string
		wide  string // the entries named, comma-separated; "" when it is fine
	}{
		// One proxy, one subnet, the private ranges: one's own network.
		{"", ""},
		{"10.0.0.2", ""},
		{"127.0.0.1,::1", ""},
		{"10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,169.254.0.0/16", ""},
		{"fc00::/7,fe80::/10", ""},
		{"2001:db8::/32", ""},
		// Public, up to one /8 or /32 in all.
		{"1.0.0.0/8", ""},
		{"1.0.0.0/9,2.0.0.0/9", ""},
		{"203.0.113.0/24,198.51.100.7", ""},
		{"2a00::/32", ""},
		{"2a00::/33,2b00::/33", ""},
		{"1.0.0.0/8,10.0.0.0/8,2a00::/32", ""},
		{"1.0.0.0/8,1.2.0.0/16", ""}, // nested: counted once

		// Wider than a /8 or a /32, in one range.
		{"0.0.0.0/1,128.0.0.0/1", "0.0.0.0/1,128.0.0.0/1"},
		{"0.0.0.0/1", "0.0.0.0/1"},
		{"8.0.0.0/7", "8.0.0.0/7"},
		{"::/1", "::/1"},
		{"2000::/3", "2000::/3"},
		{"2a00::/31", "2a00::/31"},
		{"::ffff:0.0.0.0/97", "0.0.0.0/1"},
		// Together: pieces of a wide range, or several public ranges.
		{"1.0.0.0/8,2.0.0.0/8", "1.0.0.0/8,2.0.0.0/8"},
		{"1.0.0.0/8,3.0.0.0/8,10.0.0.0/8", "1.0.0.0/8,3.0.0.0/8"},
		{"1.0.0.0/9,1.128.0.0/9,2.0.0.0/24", "1.0.0.0/9,1.128.0.0/9,2.0.0.0/24"},
		{"2a00::/32,2a01::/32", "2a00::/32,2a01::/32"},
		// Private space does not hide a public range beside it.
		{"10.0.0.0/8,0.0.0.0/1", "0.0.0.0/1"},
		// A range that holds private blocks still counts its public part.
		{"0.0.0.0/4", "0.0.0.0/4"},
		// IPv4 and IPv6 count apart.
		{"1.0.0.0/8,2a00::/32", ""},
	}
	for _, tt := range tests {
		c, err := FromEnv(env(map[string]string{"TRUSTED_PROXIES": tt.value}))
		if !assert.NoError(t, err, "TRUSTED_PROXIES=%q", tt.value) {
			continue
		}
		var got []string
		for _, p := range PublicProxyRanges(c.TrustedProxies) {
			got = append(got, p.String())
		}
		assert.Equal(t, tt.wide, strings.Join(got, ","), "TRUSTED_PROXIES=%q", tt.value)
	}
}

// TestNonPublicBlocksAreDisjoint: public() subtracts each block once, which
// is right only while no two of them overlap.
func TestNonPublicBlocksAreDisjoint(t *testing.T) {
	for i, a := range nonPublic {
		for _, b := range nonPublic[i+1:] {
			assert.False(t, a.Overlaps(b), "%s and %s overlap", a, b)
		}
		assert.Equal(t, a, a.Masked(), "%s", a)
	}
}
