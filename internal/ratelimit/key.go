package ratelimit

import (
	"net"
	"net/http"
	"net/netip"
)

// ClientKey identifies the client of r by its remote address: the
// connection's, or the client a trusted proxy named (forwarded.Resolver
// rewrites r.RemoteAddr before any handler runs). IPv6
// addresses are grouped by /64, the smallest block a host is usually given:
// keying by full address would let one host rotate through 2^64 keys.
func ClientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
