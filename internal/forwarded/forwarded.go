// Package forwarded believes a reverse proxy about who the client is and
// which scheme it used, but only a proxy the server was told to trust
// (TRUSTED_PROXIES).
//
// The threat: X-Forwarded-For, Forwarded and X-Forwarded-Proto are request
// headers, so any client can send them. A server that believes them from
// everyone lets a client name a fresh address per request and walk out of
// every per-client limit (the report receiver's rate, the sign-in
// throttle). A server that believes nobody, behind a proxy, sees every
// client at the proxy's address: those limits become one bucket shared by
// everyone, which one client can empty for all.
//
// [Resolver.Middleware] believes the headers only when the connection's
// peer is one of [Resolver.Trusted], and even then only the part its own
// proxies wrote: it reads the list of hops from the right, skips trusted
// addresses, and takes the first untrusted one as the client. Entries
// further left came from the client and may be lies. It rewrites
// r.RemoteAddr to that client, so report.ClientKey (the kit's one
// definition of the client) and everything else that reads the address see
// the real client without knowing about proxies; and it records the scheme
// for [HTTPS].
package forwarded

import (
	"context"
	"net/http"
	"net/netip"
)

// Resolver finds a request's client and scheme. Its zero value trusts no
// one and changes nothing.
type Resolver struct {
	// Trusted are the proxies in front of the server
	// (config.Config.TrustedProxies): only a request whose connection comes
	// from one of them has its forwarding headers believed. IPv4 ranges are
	// plain IPv4 (10.0.0.0/8), never IPv4-mapped IPv6. Trust only the
	// proxies' own addresses: a client inside a trusted range can claim any
	// address. Default empty: nobody's headers are believed.
	Trusted []netip.Prefix
	// BehindTLSProxy says every visitor reaches the server over https
	// through a proxy that terminates TLS (BEHIND_TLS_PROXY): HTTPS is
	// then true for every request, whatever a proxy's header says.
	// Default false.
	BehindTLSProxy bool
}

// schemeKey holds, in a request's context, whether a trusted proxy said the
// client used https.
type schemeKey struct{}

// Middleware resolves the client and scheme once, first thing, for every
// handler after it. When a trusted proxy names the client, r.RemoteAddr
// becomes "client:0" (the client's port is not known); when it names the
// scheme, [HTTPS] returns it. Any other request passes unchanged: its
// socket address is the client, its connection says the scheme. With no
// trusted proxies, and not BehindTLSProxy, it is next itself.
func (res *Resolver) Middleware(next http.Handler) http.Handler {
	if len(res.Trusted) == 0 && !res.BehindTLSProxy {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client, https, schemeSaid := res.resolve(r)
		if res.BehindTLSProxy {
			https, schemeSaid = true, true
		}
		if !client.IsValid() && !schemeSaid {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		if schemeSaid {
			ctx = context.WithValue(ctx, schemeKey{}, https)
		}
		r = r.WithContext(ctx) // a copy: the caller's request stays as it was
		if client.IsValid() {
			r.RemoteAddr = netip.AddrPortFrom(client, 0).String()
		}
		next.ServeHTTP(w, r)
	})
}

// HTTPS reports whether the client reached the server over https: true
// behind a TLS proxy (Resolver.BehindTLSProxy), else what a trusted proxy
// said (through [Resolver.Middleware]), else whether the connection itself
// is TLS. It is the kit's one definition of a request's scheme: the CSP
// middleware (report-to), the security headers (HSTS) and the pages ask it.
func HTTPS(r *http.Request) bool {
	if https, ok := r.Context().Value(schemeKey{}).(bool); ok {
		return https
	}
	return r.TLS != nil
}

// resolve returns the client a trusted proxy named (invalid when none), and
// the scheme it named, if it did.
func (res *Resolver) resolve(r *http.Request) (client netip.Addr, https, schemeSaid bool) {
	peer, ok := parseRemoteAddr(r.RemoteAddr)
	if !ok || !res.trusted(peer) {
		return netip.Addr{}, false, false
	}
	var fwdClient claim[netip.Addr]
	var fwdHTTPS claim[bool]
	if lines := r.Header.Values("Forwarded"); len(lines) > 0 {
		fwdClient, fwdHTTPS = res.fromForwarded(lines)
	}
	var xffClient claim[netip.Addr]
	if lines := r.Header.Values("X-Forwarded-For"); len(lines) > 0 {
		xffClient = res.fromXForwardedFor(lines)
	}
	var xfpHTTPS claim[bool]
	if lines := r.Header.Values("X-Forwarded-Proto"); len(lines) > 0 {
		xfpHTTPS = fromXForwardedProto(lines)
	}
	client, _ = agree(xffClient, fwdClient)
	https, schemeSaid = agree(xfpHTTPS, fwdHTTPS)
	return client, https, schemeSaid
}

func (res *Resolver) trusted(a netip.Addr) bool {
	for _, p := range res.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// claim is what one header says about one thing: nothing, something that
// cannot be used (a malformed value), or a value.
type claim[T comparable] struct {
	state claimState
	v     T
}

type claimState uint8

const (
	unsaid claimState = iota
	malformed
	said
)

func saying[T comparable](v T) claim[T] { return claim[T]{said, v} }

// agree combines what the two header families (X-Forwarded-* and
// Forwarded) say about one thing. One proxy usually writes one family and
// passes the other on from the client untouched: believing either alone
// would let a client behind a proxy that writes the other spoof it. So when
// both speak they must agree, and anything malformed means nothing is
// believed: the request falls back to its socket address or its
// connection's scheme.
func agree[T comparable](a, b claim[T]) (T, bool) {
	var zero T
	switch {
	case a.state == malformed || b.state == malformed:
		return zero, false
	case a.state == said && b.state == said:
		if a.v != b.v {
			return zero, false
		}
		return a.v, true
	case a.state == said:
		return a.v, true
	case b.state == said:
		return b.v, true
	}
	return zero, false
}

// parseRemoteAddr reads http.Request.RemoteAddr: "ip:port" from net/http,
// a bare address from some test harnesses.
func parseRemoteAddr(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return normalize(ap.Addr()), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return normalize(a), true
	}
	return netip.Addr{}, false
}

// normalize makes one address one value: an IPv4 client reached over a
// dual-stack socket (::ffff:192.0.2.1) is 192.0.2.1, and a zone names an
// interface on this host, not the client.
func normalize(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

// schemeClaim reads a scheme a proxy wrote: http or https, in any case.
func schemeClaim(s string) claim[bool] {
	switch {
	case asciiEqualFold(s, "https"):
		return saying(true)
	case asciiEqualFold(s, "http"):
		return saying(false)
	}
	return claim[bool]{state: malformed}
}

// asciiEqualFold is strings.EqualFold for ASCII only: EqualFold's Unicode
// folding takes "httpſ" (a long s) for "https".
func asciiEqualFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
