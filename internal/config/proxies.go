package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// readTrustedProxies reads TRUSTED_PROXIES: CIDR ranges or single
// addresses, separated by commas, spaces around them and a trailing comma
// allowed. Anything else is a start-up error naming the entry: a typo must
// not leave the kit believing nobody (every client sharing the proxy's
// address) or too many (clients naming their own).
func (c *Config) readTrustedProxies(v string) error {
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		p, err := parseTrustedProxy(item)
		if err != nil {
			return fmt.Errorf("TRUSTED_PROXIES=%q: %q %w", v, item, err)
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	return nil
}

// parseTrustedProxy reads one entry. IPv4 comes out as IPv4 (an
// IPv4-mapped ::ffff:10.0.0.0/104 is 10.0.0.0/8): the forwarded package
// compares unmapped addresses.
func parseTrustedProxy(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, errors.New("is not an IP address or a CIDR range such as 10.0.0.0/8")
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, errors.New("is not a CIDR range such as 10.0.0.0/8 or 2001:db8::/32")
	}
	if p.Addr().Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, errors.New("mixes IPv4-mapped and other IPv6 addresses: write the IPv4 range")
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	if p.Bits() == 0 {
		// Trusting every address is believing every client's headers:
		// exactly what the setting exists to prevent.
		return netip.Prefix{}, errors.New("trusts every address, so any client could name its own: list the proxies' addresses")
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("has host bits set past /%d: write %s for the range, or %s for the one address",
			p.Bits(), m, netip.PrefixFrom(p.Addr(), p.Addr().BitLen()))
	}
	return p, nil
}
