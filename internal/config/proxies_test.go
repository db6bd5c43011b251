package config

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTrustedProxies: every accepted form, and every refused one as a
// start-up error naming the setting and the entry.
func TestTrustedProxies(t *testing.T) {
	prefixes := func(ss ...string) []netip.Prefix {
		var ps []netip.Prefix
		for _, s := range ss {
			ps = append(ps, netip.MustParsePrefix(s))
		}
		return ps
	}
	good := []struct {
		value string
		want  []netip.Prefix
	}{
		{"", nil},
		{" , ", nil},
		{"127.0.0.1/32,10.0.0.0/8", prefixes("127.0.0.1/32", "10.0.0.0/8")},
		{"127.0.0.1", prefixes("127.0.0.1/32")},
		{" 10.0.0.2 , 192.168.0.0/16, ", prefixes("10.0.0.2/32", "192.168.0.0/16")},
		{"::1", prefixes("::1/128")},
		{"2001:db8::/32,::1/128", prefixes("2001:db8::/32", "::1/128")},
		{"::ffff:10.0.0.2", prefixes("10.0.0.2/32")},
		{"::ffff:10.0.0.0/104", prefixes("10.0.0.0/8")},
	}
	for _, tt := range good {
		c, err := FromEnv(env(map[string]string{"TRUSTED_PROXIES": tt.value}))
		require.NoError(t, err, "TRUSTED_PROXIES=%q", tt.value)
		assert.Equal(t, tt.want, c.TrustedProxies, "TRUSTED_PROXIES=%q", tt.value)
	}

	bad := []struct {
		value, entry, says string
	}{
		{"10.0.0.0/8,proxy.internal", "proxy.internal", "is not an IP address or a CIDR range"},
		{"10.0.0.0/33", "10.0.0.0/33", "is not a CIDR range"},
		{"10.0.0.0/", "10.0.0.0/", "is not a CIDR range"},
		{"10.0.0.0 /8", "10.0.0.0 /8", "is not a CIDR range"},
		{"10.0.0.1/8", "10.0.0.1/8", "has host bits set past /8: write 10.0.0.0/8 for the range, or 10.0.0.1/32 for the one address"},
		{"2001:db8::1/32", "2001:db8::1/32", "has host bits set past /32: write 2001:db8::/32 for the range"},
		{"0.0.0.0/0", "0.0.0.0/0", "trusts every address"},
		{"::/0", "::/0", "trusts every address"},
		{"::ffff:0.0.0.0/96", "::ffff:0.0.0.0/96", "trusts every address"},
		{"::ffff:0:0/80", "::ffff:0:0/80", "mixes IPv4-mapped and other IPv6 addresses"},
		{"fe80::1%eth0", "fe80::1%eth0", "is not an IP address"},
		{"10.0.0.01", "10.0.0.01", "is not an IP address"},
		{"*", "*", "is not an IP address"},
	}
	for _, tt := range bad {
		_, err := FromEnv(env(map[string]string{"TRUSTED_PROXIES": tt.value}))
		require.Error(t, err, "TRUSTED_PROXIES=%q", tt.value)
		assert.ErrorContains(t, err, `TRUSTED_PROXIES="`+tt.value+`": "`+tt.entry+`" `+tt.says)
	}
}
