package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/ratelimit"
)

// frontAddr is the loopback address the tests' reverse proxy connects to
// the kit from: the one TRUSTED_PROXIES names. Clients use other addresses
// of 127.0.0.0/8, all of which are this host, so one test can play several
// clients and a proxy.
const frontAddr = "127.0.0.9"

var trustFront = []netip.Prefix{netip.MustParsePrefix(frontAddr + "/32")}

// fromAddr is a transport whose connections come from the loopback address ip.
func fromAddr(t *testing.T, ip string) *http.Transport {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext, ResponseHeaderTimeout: 10 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// limitedKit serves the skeleton with the test accounts and cfg, every
// limiter's clock stopped so that no token or attempt comes back during the
// test, and returns its URL.
func limitedKit(t *testing.T, cfg config.Config) string {
	t.Helper()
	stopped := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	s, err := New(slog.New(slog.DiscardHandler), cfg, Options{Accounts: testAccounts(t, nil), Now: func() time.Time { return stopped }})
	require.NoError(t, err)
	s.signIns = newSignInThrottle(func() time.Time { return stopped })
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		ts.Close()
		_ = s.Close(context.Background())
	})
	return ts.URL
}

// startFront is a round-robin reverse proxy in front of backends, set up as
// docs/instances.md sets up nginx: it appends the address it was reached
// from to the client's X-Forwarded-For, sets X-Forwarded-Proto, drops any
// Forwarded the client sent, keeps the Host, and connects from frontAddr.
func startFront(t *testing.T, backends ...string) string {
	t.Helper()
	var targets []*url.URL
	for _, b := range backends {
		u, err := url.Parse(b)
		require.NoError(t, err)
		targets = append(targets, u)
	}
	var next atomic.Uint64
	front := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(targets[(next.Add(1)-1)%uint64(len(targets))])
			pr.Out.Host = pr.In.Host
			pr.Out.Header["X-Forwarded-For"] = pr.In.Header["X-Forwarded-For"]
			pr.SetXForwarded()
		},
		Transport: fromAddr(t, frontAddr),
	})
	t.Cleanup(front.Close)
	return front.URL
}

// visitor is an HTTP client at one loopback address that does not follow
// redirects.
type visitor struct {
	t    *testing.T
	c    *http.Client
	base string
}

func newVisitor(t *testing.T, ip, base string) visitor {
	return visitor{t: t, base: base, c: &http.Client{Transport: fromAddr(t, ip),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// send posts body to path with the headers and returns the response, its
// body read and closed.
func (v visitor) send(path, ctype, body string, h http.Header) *http.Response {
	v.t.Helper()
	req, err := http.NewRequest(http.MethodPost, v.base+path, strings.NewReader(body))
	require.NoError(v.t, err)
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Sec-Fetch-Site", "same-origin") // as a browser sends the kit's own form
	resp, err := v.c.Do(req)
	require.NoError(v.t, err)
	_ = resp.Body.Close()
	return resp
}

// report posts one violation: one token of the report limit.
func (v visitor) report(h http.Header) int {
	return v.send("/csp-report?group=demo", "application/csp-report", reportURIBody, h).StatusCode
}

// signIn posts the sign-in form and returns the status and Location.
func (v visitor) signIn(email, password string, h http.Header) (int, string) {
	resp := v.send("/signin", "application/x-www-form-urlencoded",
		url.Values{"email": {email}, "password": {password}}.Encode(), h)
	return resp.StatusCode, resp.Header.Get("Location")
}

// spoofed is what a client sends to pass for someone new on each request.
func spoofed(i int) http.Header {
	addr := fmt.Sprintf("1.2.%d.%d", i/250, i%250+1)
	return http.Header{"X-Forwarded-For": {addr}, "Forwarded": {"for=" + addr}}
}

// TestSpoofedForwardedForEscapesNoLimit is the attack: a client sends a
// fresh X-Forwarded-For (and Forwarded) with every request, hoping each
// counts as a new client, to post reports past its rate limit and guess
// passwords past its sign-in throttle. Straight to the kit (its address is
// not a trusted proxy) and through the trusted proxy (which appends the
// client's real address), it gets exactly the allowance of one client. The
// last case shows the test sees the attack succeed when the kit trusts the
// attacker's address: the reason to trust only the proxies' own.
func TestSpoofedForwardedForEscapesNoLimit(t *testing.T) {
	const burst = 4
	const tries = 3 * burst // and as many sign-in attempts: bounded
	const free = ratelimit.DefaultBackoffFree
	tests := []struct {
		name       string
		trusted    []netip.Prefix
		viaFront   bool
		attackerIP string
		escapes    bool
	}{
		{"straight to the kit", trustFront, false, "127.0.0.2", false},
		{"through the trusted proxy", trustFront, true, "127.0.0.3", false},
		{"TRUSTED_PROXIES covering the attacker", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, false, "127.0.0.4", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kit := limitedKit(t, config.Config{TrustedProxies: tt.trusted, ReportRate: 0.001, ReportBurst: burst})
			base := kit
			if tt.viaFront {
				base = startFront(t, kit)
			}
			attacker := newVisitor(t, tt.attackerIP, base)

			accepted := 0
			for i := range tries {
				switch code := attacker.report(spoofed(i)); code {
				case http.StatusNoContent:
					accepted++
				default:
					require.Equal(t, http.StatusTooManyRequests, code)
				}
			}
			// A different email per guess: the per-account count never
			// stops it, only the per-address one can.
			guesses, firstRefused := 0, 0
			for i := range 3 * free {
				code, _ := attacker.signIn(fmt.Sprintf("victim%d@example.com", i), "guess", spoofed(tries+i))
				if code == http.StatusTooManyRequests {
					if firstRefused == 0 {
						firstRefused = i + 1
					}
					continue
				}
				require.Equal(t, http.StatusSeeOther, code, "a wrong guess is refused with the form's flash")
				guesses++
			}
			t.Logf("%s: %d of %d spoofed reports accepted (burst %d); %d of %d spoofed sign-in guesses checked, first 429 at attempt %d",
				tt.name, accepted, tries, burst, guesses, 3*free, firstRefused)
			if tt.escapes {
				assert.Equal(t, tries, accepted, "with the attacker trusted, every spoofed address is a new client")
				assert.Equal(t, 3*free, guesses)
				return
			}
			assert.Equal(t, burst, accepted, "one client's burst, whatever addresses it claims")
			assert.Equal(t, free, guesses, "one client's free attempts")
			assert.Equal(t, free+1, firstRefused)
		})
	}
}

// TestPerClientLimitsThroughTrustedProxy runs two instances of the kit
// behind one round-robin proxy, two visitors at different addresses
// reaching them through it. With the proxy trusted, each visitor has its
// own report allowance and sign-in attempts: the first using all of its
// own leaves the second untouched. With the proxy not trusted, every
// visitor is the proxy, and the first locks the second out.
//
// Each instance keeps its counters in memory, so a client gets each limit
// once per instance: two instances, twice the burst and twice the free
// sign-in attempts (docs/instances.md).
func TestPerClientLimitsThroughTrustedProxy(t *testing.T) {
	const burst, instances = 3, 2
	const free = ratelimit.DefaultBackoffFree
	for _, tt := range []struct {
		name      string
		trusted   []netip.Prefix
		perClient bool
	}{
		{"proxy trusted", trustFront, true},
		{"proxy not trusted", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Config{TrustedProxies: tt.trusted, ReportRate: 0.001, ReportBurst: burst}
			var kits []string
			for range instances {
				kits = append(kits, limitedKit(t, cfg))
			}
			front := startFront(t, kits...)
			x, y := newVisitor(t, "127.0.0.2", front), newVisitor(t, "127.0.0.3", front)

			accepted := 0
			for range 2 * instances * burst {
				if x.report(nil) == http.StatusNoContent {
					accepted++
				}
			}
			assert.Equal(t, instances*burst, accepted, "the first visitor: a burst on each instance")
			guesses := 0
			for i := range 2 * instances * free {
				if code, _ := x.signIn(fmt.Sprintf("victim%d@example.com", i), "guess", nil); code == http.StatusSeeOther {
					guesses++
				}
			}
			assert.Equal(t, instances*free, guesses, "the first visitor: its free attempts on each instance")

			// The second visitor, once on each instance.
			for i := range instances {
				code := y.report(nil)
				status, location := y.signIn(testEmail, testPassword, nil)
				if tt.perClient {
					assert.Equal(t, http.StatusNoContent, code, "request %d: the second visitor's own allowance", i)
					assert.Equal(t, http.StatusSeeOther, status, "request %d", i)
					assert.Equal(t, "/account", location, "request %d: signed in", i)
				} else {
					assert.Equal(t, http.StatusTooManyRequests, code, "request %d: the proxy's bucket, emptied by the first", i)
					assert.Equal(t, http.StatusTooManyRequests, status, "request %d: locked out by the first visitor's guesses", i)
				}
			}
		})
	}
}

// TestSchemeFromTrustedProxy: with TRUSTED_PROXIES, a page is https
// (HSTS, report-to) when the trusted proxy says so, per request; a client
// saying so itself is not believed; BEHIND_TLS_PROXY makes every request
// https. The session cookie follows BEHIND_TLS_PROXY alone, fixed at
// start-up: its name cannot change per request without signing people out.
func TestSchemeFromTrustedProxy(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	const proxy, stranger = "10.0.0.1:40000", "198.51.100.9:40000"
	tests := []struct {
		name           string
		behindTLSProxy bool
		trusted        []netip.Prefix
		peer, proto    string
		https          bool
		cookie         string
	}{
		{"trusted proxy says https", false, trusted, proxy, "https", true, "session"},
		{"trusted proxy says http", false, trusted, proxy, "http", false, "session"},
		{"trusted proxy says nothing", false, trusted, proxy, "", false, "session"},
		{"a client says https", false, trusted, stranger, "https", false, "session"},
		{"no trusted proxies, proxy says https", false, nil, proxy, "https", false, "session"},
		{"BEHIND_TLS_PROXY, proxy says http", true, trusted, proxy, "http", true, "__Host-session"},
		{"BEHIND_TLS_PROXY alone", true, nil, stranger, "", true, "__Host-session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(slog.New(slog.DiscardHandler), config.Config{TrustedProxies: tt.trusted, BehindTLSProxy: tt.behindTLSProxy},
				Options{Accounts: testAccounts(t, nil)})
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close(context.Background()) })

			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tt.peer
			if tt.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			require.Equal(t, http.StatusOK, rec.Code)
			h := rec.Header()
			assert.Equal(t, tt.https, h.Get("Strict-Transport-Security") != "", "HSTS")
			assert.Equal(t, tt.https, h.Get(csp.HeaderReportingEndpoints) != "", "Reporting-Endpoints")
			assert.Equal(t, tt.https, strings.Contains(h.Get(csp.HeaderCSP), "report-to "), "report-to")

			// A sign-in sets the session cookie.
			form := strings.NewReader(url.Values{"email": {testEmail}, "password": {testPassword}}.Encode())
			req = httptest.NewRequest(http.MethodPost, "/signin", form)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = tt.peer
			if tt.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			rec = httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			require.Equal(t, http.StatusSeeOther, rec.Code)
			c := cookieNamed(t, rec.Result().Cookies(), tt.cookie)
			assert.Equal(t, tt.behindTLSProxy, c.Secure)
		})
	}
}
