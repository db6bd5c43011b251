package report

import (
	"net"
	"net/http"
	"net/netip"
)

// ClientKey identifies the client of r by its remote address, the default
// of [Handler.ClientKey]. It never reads X-Forwarded-For or the like: any
// client can set those to a fresh value per request and walk out of every
// per-client limit. Behind a reverse proxy, have a middleware that trusts
// only the proxy's own headers rewrite r.RemoteAddr first. IPv6 addresses
// are grouped by /64, the smallest block a host is usually given: keying
// by full address would let one host rotate through 2^64 keys.
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
