package forwarded

import (
	"net/netip"
	"strings"
)

// fromXForwardedFor reads X-Forwarded-For: a comma-separated list of
// addresses, one per hop, each proxy appending the address it was reached
// from; several header lines are one list, in order. Read from the right,
// skipping trusted addresses (the kit's own proxies), the first untrusted
// address is the client: everything left of it came from the client. When
// every address is trusted the request started inside the trusted network,
// and the leftmost, written by the first trusted proxy, is the client. A
// malformed entry met before the client makes the header malformed; one
// further left is never read.
func (res *Resolver) fromXForwardedFor(lines []string) claim[netip.Addr] {
	var leftmost netip.Addr
	for i := len(lines) - 1; i >= 0; i-- {
		rest := lines[i]
		for {
			entry := rest
			comma := strings.LastIndexByte(rest, ',')
			if comma >= 0 {
				entry = rest[comma+1:]
			}
			a, ok := parseHop(strings.Trim(entry, " \t"))
			if !ok {
				return claim[netip.Addr]{state: malformed}
			}
			if !res.trusted(a) {
				return saying(a)
			}
			leftmost = a
			if comma < 0 {
				break
			}
			rest = rest[:comma]
		}
	}
	return saying(leftmost)
}

// parseHop reads one X-Forwarded-For entry. The header has no standard, so
// the forms proxies write are accepted: an address, with a port or not, an
// IPv6 one in brackets or not.
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return normalize(a), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return normalize(ap.Addr()), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() {
			return normalize(a), true
		}
	}
	return netip.Addr{}, false
}

// fromXForwardedProto reads X-Forwarded-Proto: the scheme the client used,
// written by the proxy it reached. A proxy may append to a value the client
// sent rather than replace it, so of several values the rightmost, written
// by the proxy next to the kit, is the one believed.
func fromXForwardedProto(lines []string) claim[bool] {
	last := lines[len(lines)-1]
	if comma := strings.LastIndexByte(last, ','); comma >= 0 {
		last = last[comma+1:]
	}
	return schemeClaim(strings.Trim(last, " \t"))
}
