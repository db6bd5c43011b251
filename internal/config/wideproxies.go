package config

import (
	"math/big"
	"net/netip"
	"slices"
)

// The widest public ranges TRUSTED_PROXIES may trust: one IPv4 /8, one
// IPv6 /32 (a large provider's or a whole regional allocation).
const (
	MaxPublicIPv4Bits = 8
	MaxPublicIPv6Bits = 32
)

// nonPublic are the special-purpose blocks no client on the internet
// comes from (RFC 6890's registries, the large ones): trusting them is
// trusting one's own network, however wide. Disjoint within each family.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // this network
	netip.MustParsePrefix("10.0.0.0/8"),      // private
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("127.0.0.0/8"),     // loopback
	netip.MustParsePrefix("169.254.0.0/16"),  // link-local
	netip.MustParsePrefix("172.16.0.0/12"),   // private
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("192.168.0.0/16"),  // private
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("224.0.0.0/3"),     // multicast and reserved: no client's source
	netip.MustParsePrefix("::/127"),          // unspecified and loopback
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:2::/48"),     // benchmarking
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fc00::/7"),        // unique local
	netip.MustParsePrefix("fe80::/10"),       // link-local
	netip.MustParsePrefix("ff00::/8"),        // multicast
}

// PublicProxyRanges returns the entries of trusted (TRUSTED_PROXIES) that
// hold public addresses when, together, they trust more of the public
// internet than one IPv4 /8 or one IPv6 /32 holds; nil when they do not.
//
// The threat: a request from a trusted proxy names its client in
// X-Forwarded-For, and that name is believed: it is the address every
// per-client limit (sign-in throttle, report rate) keys on. Trust a range
// anyone on the internet can send from, and anyone names whatever address
// they like, a fresh one per request, and every per-client limit is
// gone. TRUSTED_PROXIES=0.0.0.0/1,128.0.0.0/1 is the whole IPv4 internet
// in two entries (0.0.0.0/0 alone is refused when read). Several
// entries count together, so splitting a wide range in narrow pieces
// does not pass, and the special-purpose blocks (private, loopback,
// link-local, unique local, documentation, multicast) do not count: a
// proxy on 10.0.0.0/8 or fd00::/8 is one's own.
//
// The deploy checks (package deploycheck) make it an error, so a
// production start refuses it.
func PublicProxyRanges(trusted []netip.Prefix) []netip.Prefix {
	var wide []netip.Prefix
	for _, is4 := range []bool{true, false} {
		var fam []netip.Prefix
		for _, p := range trusted {
			if p.Addr().Is4() == is4 {
				fam = append(fam, p.Masked())
			}
		}
		limit, bits := MaxPublicIPv6Bits, 128
		if is4 {
			limit, bits = MaxPublicIPv4Bits, 32
		}
		total, holders := publicAddresses(fam, bits)
		if total.Cmp(pow2(bits-limit)) > 0 { // more than one /limit holds
			wide = append(wide, holders...)
		}
	}
	return wide
}

// publicAddresses counts the public addresses the prefixes of one family
// (bits long) hold together, each counted once, and returns the prefixes
// that hold any, in the order given.
func publicAddresses(ps []netip.Prefix, bits int) (*big.Int, []netip.Prefix) {
	// Prefixes are nested or disjoint: without the ones inside another
	// (and repeats), the rest are disjoint.
	outer := slices.DeleteFunc(slices.Clone(ps), func(p netip.Prefix) bool {
		return slices.ContainsFunc(ps, func(q netip.Prefix) bool { return q.Bits() < p.Bits() && q.Contains(p.Addr()) })
	})
	outer = slices.Compact(sortedPrefixes(outer))
	total := new(big.Int)
	for _, p := range outer {
		total.Add(total, public(p, bits))
	}
	var holders []netip.Prefix
	for _, p := range ps {
		if public(p, bits).Sign() > 0 && !slices.Contains(holders, p) {
			holders = append(holders, p)
		}
	}
	return total, holders
}

// public is how many addresses of p are outside every nonPublic block.
func public(p netip.Prefix, bits int) *big.Int {
	n := size(p, bits)
	for _, b := range nonPublic {
		if b.Addr().BitLen() != bits {
			continue
		}
		switch {
		case b.Bits() <= p.Bits() && b.Contains(p.Addr()): // p inside b
			return new(big.Int)
		case p.Bits() < b.Bits() && p.Contains(b.Addr()): // b inside p
			n.Sub(n, size(b, bits))
		}
	}
	return n
}

// size is how many addresses p, of a family bits long, holds.
func size(p netip.Prefix, bits int) *big.Int { return pow2(bits - p.Bits()) }

func pow2(n int) *big.Int { return new(big.Int).Lsh(big.NewInt(1), uint(n)) }

func sortedPrefixes(ps []netip.Prefix) []netip.Prefix {
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	return ps
}
