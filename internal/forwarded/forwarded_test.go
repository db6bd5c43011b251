package forwarded

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The proxies of these tests: a private range, one address, an IPv6 range.
var trusted = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("192.0.2.1/32"),
	netip.MustParsePrefix("2001:db8:f::/48"),
}

const (
	proxy    = "10.0.0.1:40000"     // trusted
	stranger = "198.51.100.9:40000" // not trusted: a client reaching the kit directly
)

// through runs req through the middleware and returns what the handler
// after it sees: the client address and the scheme.
func through(t *testing.T, res *Resolver, req *http.Request) (remote string, https bool) {
	t.Helper()
	var seen *http.Request
	res.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r })).
		ServeHTTP(httptest.NewRecorder(), req)
	require.NotNil(t, seen, "the middleware calls the next handler")
	return seen.RemoteAddr, HTTPS(seen)
}

type hdr = [][2]string // header lines in order, repeats allowed

// TestResolve: every case of who the client is and which scheme it used.
func TestResolve(t *testing.T) {
	tests := []struct {
		name    string
		peer    string
		tls     bool
		headers hdr
		client  string // the RemoteAddr the handlers see
		https   bool
	}{
		// Untrusted peers: the headers are anyone's to send.
		{"untrusted peer, spoofed X-Forwarded-For", stranger, false, hdr{{"X-Forwarded-For", "1.2.3.4"}}, stranger, false},
		{"untrusted peer, spoofed Forwarded", stranger, false, hdr{{"Forwarded", "for=1.2.3.4;proto=https"}}, stranger, false},
		{"untrusted peer, spoofed proto", stranger, false, hdr{{"X-Forwarded-Proto", "https"}}, stranger, false},
		{"untrusted peer over TLS, spoofed http", stranger, true, hdr{{"X-Forwarded-Proto", "http"}}, stranger, true},
		{"untrusted IPv6 peer", "[2001:db8:1::9]:40000", false, hdr{{"X-Forwarded-For", "1.2.3.4"}}, "[2001:db8:1::9]:40000", false},
		{"unparseable peer", "@", false, hdr{{"X-Forwarded-For", "1.2.3.4"}}, "@", false},

		// A trusted peer, X-Forwarded-For.
		{"trusted peer, no headers", proxy, false, nil, proxy, false},
		{"one hop", proxy, false, hdr{{"X-Forwarded-For", "203.0.113.7"}}, "203.0.113.7:0", false},
		{"the client's own entry is skipped", proxy, false, hdr{{"X-Forwarded-For", "1.2.3.4, 203.0.113.7"}}, "203.0.113.7:0", false},
		{"several hops, trusted ones skipped", proxy, false,
			hdr{{"X-Forwarded-For", "1.2.3.4, 203.0.113.7, 10.0.0.5,10.1.2.3"}}, "203.0.113.7:0", false},
		{"several header lines are one list", proxy, false,
			hdr{{"X-Forwarded-For", "1.2.3.4, 203.0.113.7"}, {"X-Forwarded-For", "10.0.0.5"}}, "203.0.113.7:0", false},
		{"a chain all trusted: the leftmost", proxy, false, hdr{{"X-Forwarded-For", "10.0.0.9, 192.0.2.1, 10.0.0.5"}}, "10.0.0.9:0", false},
		{"the peer itself listed", proxy, false, hdr{{"X-Forwarded-For", "10.0.0.1"}}, "10.0.0.1:0", false},
		{"an address with a port", proxy, false, hdr{{"X-Forwarded-For", "203.0.113.7:5555"}}, "203.0.113.7:0", false},
		{"IPv6", proxy, false, hdr{{"X-Forwarded-For", "2001:db8:1::7"}}, "[2001:db8:1::7]:0", false},
		{"IPv6 in brackets with a port", proxy, false, hdr{{"X-Forwarded-For", "[2001:db8:1::7]:443"}}, "[2001:db8:1::7]:0", false},
		{"IPv6 in brackets", proxy, false, hdr{{"X-Forwarded-For", "[2001:db8:1::7]"}}, "[2001:db8:1::7]:0", false},
		{"IPv4-mapped IPv6 is IPv4", proxy, false, hdr{{"X-Forwarded-For", "::ffff:203.0.113.7"}}, "203.0.113.7:0", false},
		{"a zone is dropped", proxy, false, hdr{{"X-Forwarded-For", "fe80::7%eth0"}}, "[fe80::7]:0", false},
		{"a trusted IPv6 hop skipped", proxy, false, hdr{{"X-Forwarded-For", "203.0.113.7, 2001:db8:f::2"}}, "203.0.113.7:0", false},
		{"trusted IPv6 peer", "[2001:db8:f::1]:443", false, hdr{{"X-Forwarded-For", "203.0.113.7"}}, "203.0.113.7:0", false},
		{"trusted peer on a dual-stack socket", "[::ffff:10.0.0.1]:40000", false, hdr{{"X-Forwarded-For", "203.0.113.7"}}, "203.0.113.7:0", false},
		{"trusted peer without a port", "10.0.0.1", false, hdr{{"X-Forwarded-For", "203.0.113.7"}}, "203.0.113.7:0", false},

		// Malformed X-Forwarded-For: the socket address.
		{"malformed: not an address", proxy, false, hdr{{"X-Forwarded-For", "bogus"}}, proxy, false},
		{"malformed: right of the client", proxy, false, hdr{{"X-Forwarded-For", "203.0.113.7, bogus"}}, proxy, false},
		{"malformed: an empty entry", proxy, false, hdr{{"X-Forwarded-For", "203.0.113.7,"}}, proxy, false},
		{"malformed: empty", proxy, false, hdr{{"X-Forwarded-For", ""}}, proxy, false},
		{"malformed: leading zeros", proxy, false, hdr{{"X-Forwarded-For", "203.0.113.07"}}, proxy, false},
		{"malformed: a host name", proxy, false, hdr{{"X-Forwarded-For", "example.com"}}, proxy, false},
		{"malformed left of the client is never read", proxy, false, hdr{{"X-Forwarded-For", "bogus, 203.0.113.7"}}, "203.0.113.7:0", false},

		// Forwarded (RFC 7239).
		{"Forwarded: one hop", proxy, false, hdr{{"Forwarded", "for=203.0.113.7"}}, "203.0.113.7:0", false},
		{"Forwarded: quoted IPv6 with a port", proxy, false, hdr{{"Forwarded", `for="[2001:db8:cafe::17]:4711"`}}, "[2001:db8:cafe::17]:0", false},
		{"Forwarded: quoted IPv4 with a port", proxy, false, hdr{{"Forwarded", `for="203.0.113.7:4711"`}}, "203.0.113.7:0", false},
		{"Forwarded: an obfuscated port", proxy, false, hdr{{"Forwarded", `for="203.0.113.7:_p1"`}}, "203.0.113.7:0", false},
		{"Forwarded: an escaped character in a quoted string", proxy, false, hdr{{"Forwarded", `for="203.0.113\.7"`}}, "203.0.113.7:0", false},
		{"Forwarded: several hops, the client's proto", proxy, false,
			hdr{{"Forwarded", "for=1.2.3.4;proto=http, for=203.0.113.7;proto=https, for=10.0.0.5;proto=http"}}, "203.0.113.7:0", true},
		{"Forwarded: several lines", proxy, false,
			hdr{{"Forwarded", "for=203.0.113.7;proto=https"}, {"Forwarded", "for=10.0.0.5;proto=http"}}, "203.0.113.7:0", true},
		{"Forwarded: all trusted, the leftmost", proxy, false,
			hdr{{"Forwarded", "for=10.0.0.9;proto=https, for=10.0.0.5;proto=http"}}, "10.0.0.9:0", true},
		{"Forwarded: names in any case, spaces around ;", proxy, false, hdr{{"Forwarded", "For=203.0.113.7 ; PROTO=HTTPS"}}, "203.0.113.7:0", true},
		{"Forwarded: other parameters ignored", proxy, false,
			hdr{{"Forwarded", `by=10.0.0.1;for=203.0.113.7;host="example.com";ext=1`}}, "203.0.113.7:0", false},
		{"Forwarded: empty elements skipped", proxy, false, hdr{{"Forwarded", ", for=203.0.113.7,,"}}, "203.0.113.7:0", false},
		{"Forwarded: unknown", proxy, false, hdr{{"Forwarded", "for=unknown;proto=https"}}, proxy, true},
		{"Forwarded: an obfuscated node", proxy, false, hdr{{"Forwarded", "for=_hidden"}}, proxy, false},
		{"Forwarded: proto alone", proxy, false, hdr{{"Forwarded", "proto=https"}}, proxy, true},
		{"Forwarded: a hop without for=", proxy, false, hdr{{"Forwarded", "for=203.0.113.7, proto=https"}}, proxy, true},
		{"Forwarded malformed: unquoted IPv6", proxy, false, hdr{{"Forwarded", "for=[2001:db8::1]"}}, proxy, false},
		{"Forwarded malformed: IPv6 without brackets", proxy, false, hdr{{"Forwarded", `for="2001:db8::1"`}}, proxy, false},
		{"Forwarded malformed: IPv4 in brackets", proxy, false, hdr{{"Forwarded", `for="[203.0.113.7]"`}}, proxy, false},
		{"Forwarded malformed: a bad port", proxy, false, hdr{{"Forwarded", `for="203.0.113.7:123456"`}}, proxy, false},
		{"Forwarded malformed: unclosed quote", proxy, false, hdr{{"Forwarded", `for="203.0.113.7`}}, proxy, false},
		{"Forwarded malformed: escaped closing quote", proxy, false, hdr{{"Forwarded", `for="203.0.113.7\"`}}, proxy, false},
		{"Forwarded malformed: for= twice", proxy, false, hdr{{"Forwarded", "for=203.0.113.7;for=1.2.3.4"}}, proxy, false},
		{"Forwarded malformed: proto= twice", proxy, false, hdr{{"Forwarded", "for=203.0.113.7;proto=http;proto=https"}}, proxy, false},
		{"Forwarded malformed: no semicolon", proxy, false, hdr{{"Forwarded", "for=203.0.113.7 proto=https"}}, proxy, false},
		{"Forwarded malformed: empty value", proxy, false, hdr{{"Forwarded", "for="}}, proxy, false},
		{"Forwarded malformed: no value", proxy, false, hdr{{"Forwarded", "for"}}, proxy, false},
		{"Forwarded malformed: a control character", proxy, false, hdr{{"Forwarded", "for=\"203.0.113.7\x01\""}}, proxy, false},
		{"Forwarded malformed: right of the client", proxy, false, hdr{{"Forwarded", "for=203.0.113.7, for=bogus"}}, proxy, false},

		// Both families: one proxy writes one and passes the other on.
		{"both agree", proxy, false, hdr{{"X-Forwarded-For", "203.0.113.7"}, {"Forwarded", "for=203.0.113.7"}}, "203.0.113.7:0", false},
		{"both disagree: a spoofed Forwarded passed on", proxy, false,
			hdr{{"X-Forwarded-For", "203.0.113.7"}, {"Forwarded", "for=1.2.3.4"}}, proxy, false},
		{"both disagree: a spoofed X-Forwarded-For passed on", proxy, false,
			hdr{{"X-Forwarded-For", "1.2.3.4"}, {"Forwarded", "for=203.0.113.7"}}, proxy, false},
		{"X-Forwarded-For and a malformed Forwarded", proxy, false,
			hdr{{"X-Forwarded-For", "203.0.113.7"}, {"Forwarded", "for=("}}, proxy, false},
		{"X-Forwarded-For and Forwarded for=unknown", proxy, false,
			hdr{{"X-Forwarded-For", "203.0.113.7"}, {"Forwarded", "for=unknown"}}, proxy, false},
		{"X-Forwarded-For and a Forwarded of proto alone", proxy, false,
			hdr{{"X-Forwarded-For", "203.0.113.7"}, {"Forwarded", "proto=https"}}, "203.0.113.7:0", true},

		// The scheme.
		{"proto https", proxy, false, hdr{{"X-Forwarded-Proto", "https"}}, proxy, true},
		{"proto in capitals", proxy, false, hdr{{"X-Forwarded-Proto", "HTTPS"}}, proxy, true},
		{"proto http over a TLS connection", proxy, true, hdr{{"X-Forwarded-Proto", "http"}}, proxy, false},
		{"no proto over a TLS connection", proxy, true, hdr{{"X-Forwarded-For", "203.0.113.7"}}, "203.0.113.7:0", true},
		{"proto: the rightmost value", proxy, false, hdr{{"X-Forwarded-Proto", "https, http"}}, proxy, false},
		{"proto: the last line", proxy, false, hdr{{"X-Forwarded-Proto", "http"}, {"X-Forwarded-Proto", "https"}}, proxy, true},
		{"proto: not a web scheme", proxy, false, hdr{{"X-Forwarded-Proto", "ftp"}}, proxy, false},
		{"proto: not a web scheme, TLS connection", proxy, true, hdr{{"X-Forwarded-Proto", "ftp"}}, proxy, true},
		{"proto: Unicode folding is not ASCII", proxy, false, hdr{{"X-Forwarded-Proto", "httpſ"}}, proxy, false},
		{"proto: Forwarded's proto not a web scheme", proxy, false, hdr{{"Forwarded", "for=203.0.113.7;proto=wss"}}, "203.0.113.7:0", false},
		{"proto: both agree", proxy, false, hdr{{"X-Forwarded-Proto", "https"}, {"Forwarded", "proto=https"}}, proxy, true},
		{"proto: both disagree", proxy, false, hdr{{"X-Forwarded-Proto", "https"}, {"Forwarded", "proto=http"}}, proxy, false},
		{"proto and client together", proxy, false,
			hdr{{"X-Forwarded-For", "203.0.113.7"}, {"X-Forwarded-Proto", "https"}}, "203.0.113.7:0", true},
	}
	res := &Resolver{Trusted: trusted}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "http://kit.test/", nil)
			req.RemoteAddr = tt.peer
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			for _, h := range tt.headers {
				req.Header.Add(h[0], h[1])
			}
			client, https := through(t, res, req)
			assert.Equal(t, tt.client, client, "client address")
			assert.Equal(t, tt.https, https, "https")
			assert.Equal(t, tt.peer, req.RemoteAddr, "the caller's request is left as it was")
		})
	}
}

// TestNoTrustedProxies: the zero Resolver believes nobody.
func TestNoTrustedProxies(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "127.0.0.1:1234"
	req.Header.Set("X-Forwarded-For", "1.2.3.4")
	req.Header.Set("X-Forwarded-Proto", "https")
	client, https := through(t, &Resolver{}, req)
	assert.Equal(t, "127.0.0.1:1234", client)
	assert.False(t, https)
}

// TestBehindTLSProxy: behind a proxy that terminates TLS, every request is
// https, whatever a client's header says; the client is still only what a
// trusted proxy names.
func TestBehindTLSProxy(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "127.0.0.1:1234"
	req.Header.Set("X-Forwarded-For", "1.2.3.4")
	req.Header.Set("X-Forwarded-Proto", "http")
	client, https := through(t, &Resolver{BehindTLSProxy: true}, req)
	assert.Equal(t, "127.0.0.1:1234", client)
	assert.True(t, https)
}

// TestHTTPSWithoutMiddleware: a request the middleware never saw is https
// when its connection is TLS.
func TestHTTPSWithoutMiddleware(t *testing.T) {
	assert.False(t, HTTPS(httptest.NewRequest(http.MethodGet, "http://kit.test/", nil)))
	assert.True(t, HTTPS(httptest.NewRequest(http.MethodGet, "https://kit.test/", nil)))
}

// FuzzForwarded: no header value makes the middleware panic, and the client
// it names is always an address (report.ClientKey parses it).
func FuzzForwarded(f *testing.F) {
	for _, seed := range [][3]string{
		{"1.2.3.4, 203.0.113.7, 10.0.0.5", `for="[2001:db8:cafe::17]:4711";proto=https`, "https"},
		{"", "for=unknown, ,for=_x;by=\"a\\\"b\"", "http, https"},
		{"[::1]:80,,", "for=\"", "HTTPS"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	res := &Resolver{Trusted: trusted}
	f.Fuzz(func(t *testing.T, xff, fwd, proto string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = proxy
		req.Header["X-Forwarded-For"] = []string{xff}
		req.Header["Forwarded"] = []string{fwd}
		req.Header["X-Forwarded-Proto"] = []string{proto}
		client, _ := through(t, res, req)
		if client != proxy {
			ap, err := netip.ParseAddrPort(client)
			require.NoError(t, err)
			assert.Equal(t, ap.Addr(), ap.Addr().Unmap().WithZone(""), "a normalised address")
		}
	})
}
