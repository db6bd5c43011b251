package deploycheck

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
)

type operators struct {
	n   int
	err error
}

func (o operators) Operators(context.Context) (int, error) { return o.n, o.err }

// safe is a deployment that passes every check: production, behind an
// https proxy whose address it trusts, no showcase, info logging, one operator.
func safe() Input {
	return Input{
		Config: config.Config{Production: true, BehindTLSProxy: true, LogLevel: slog.LevelInfo,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.2/32")}},
		Operators: operators{n: 1},
	}
}

type found struct {
	id       string
	severity Severity
}

func ids(r Report) []found {
	var out []found
	for _, p := range r {
		out = append(out, found{p.ID, p.Severity})
	}
	return out
}

// TestEachCheck changes one thing of a safe deployment per case and
// expects exactly the problem it causes.
func TestEachCheck(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Input)
		want   []found
	}{
		{"safe", func(*Input) {}, nil},
		{"TLS served by the kit", func(in *Input) { in.Config.BehindTLSProxy, in.Config.TLS = false, config.TLSFiles }, nil},
		{"plain http, no proxy", func(in *Input) { in.Config.BehindTLSProxy = false },
			[]found{{"insecure-cookies", Error}}},
		{"plain http, no proxy, no trusted proxies", func(in *Input) { in.Config.BehindTLSProxy, in.Config.TrustedProxies = false, nil },
			[]found{{"insecure-cookies", Error}}},
		{"behind a proxy it does not trust", func(in *Input) { in.Config.TrustedProxies = nil },
			[]found{{"proxy-not-trusted", Warning}}},
		{"TLS served by the kit, no trusted proxies", func(in *Input) {
			in.Config.BehindTLSProxy, in.Config.TLS, in.Config.TrustedProxies = false, config.TLSFiles, nil
		}, nil},
		// Issue 21: both were accepted by a production start.
		{"self-signed TLS", func(in *Input) { in.Config.BehindTLSProxy, in.Config.TLS = false, config.TLSSelfSigned },
			[]found{{"self-signed-tls", Error}}},
		{"trusting the whole IPv4 internet in two halves", func(in *Input) {
			in.Config.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/1"), netip.MustParsePrefix("128.0.0.0/1")}
		}, []found{{"trusted-proxies-public", Error}}},
		{"trusting an IPv6 range wider than /32", func(in *Input) {
			in.Config.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("2a00::/31")}
		}, []found{{"trusted-proxies-public", Error}}},
		{"trusting a private /8 and a proxy's address", func(in *Input) {
			in.Config.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("203.0.113.9/32")}
		}, nil},
		{"a High lint finding", func(in *Input) { in.PolicyRisks = []string{`group "site": HIGH script-src 'unsafe-inline'`} },
			[]found{{"policy-high-risk", Error}}},
		{"two High findings", func(in *Input) { in.PolicyRisks = []string{"a", "b"} },
			[]found{{"policy-high-risk", Error}, {"policy-high-risk", Error}}},
		{"bench routes", func(in *Input) { in.Config.BenchRoutes = true },
			[]found{{"bench-routes", Error}}},
		{"no operator", func(in *Input) { in.Operators = operators{} },
			[]found{{"no-operator", Warning}}},
		{"operators cannot be counted", func(in *Input) { in.Operators = operators{err: errors.New("no such table: users")} },
			[]found{{"no-operator", Error}}},
		{"operators not checked", func(in *Input) { in.Operators = nil }, nil},
		{"development", func(in *Input) { in.Config.Production = false },
			[]found{{"not-production", Warning}}},
		{"showcase on", func(in *Input) { in.Config.Showcase = true },
			[]found{{"showcase-mounted", Warning}}},
		{"debug logging", func(in *Input) { in.Config.LogLevel = slog.LevelDebug },
			[]found{{"debug-logging", Warning}}},
		{"warn logging", func(in *Input) { in.Config.LogLevel = slog.LevelWarn }, nil},
		{"a fresh clone started with APP_ENV=production on plain http", func(in *Input) {
			in.Config = config.Config{Production: true}
			in.Operators = operators{}
		}, []found{{"insecure-cookies", Error}, {"no-operator", Warning}}},
		{"errors before warnings", func(in *Input) {
			in.Config.LogLevel = slog.LevelDebug
			in.Config.BehindTLSProxy = false
		}, []found{{"insecure-cookies", Error}, {"debug-logging", Warning}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := safe()
			tt.change(&in)
			r := Run(context.Background(), in)
			assert.Equal(t, tt.want, ids(r))
			for _, p := range r {
				assert.NotEmpty(t, p.Message, p.ID)
				assert.NotEmpty(t, p.Fix, p.ID)
				assert.NotContains(t, p.Message+p.Fix, "\n", "%s: one line each", p.ID)
			}
		})
	}
}

// TestEveryCheckCanFire: everything wrong at once fires every check, so a
// check added to the list without a case above shows up here.
func TestEveryCheckCanFire(t *testing.T) {
	in := Input{
		Config:      config.Config{BenchRoutes: true, Showcase: true, LogLevel: slog.LevelDebug},
		PolicyRisks: []string{"x"},
		Operators:   operators{},
	}
	var got []string
	// insecure-cookies, proxy-not-trusted and the TLS and proxy checks
	// exclude one another (plain http; behind a proxy it does not trust;
	// self-signed, trusting the internet): everything wrong once each way.
	variants := []func(*config.Config){
		func(c *config.Config) {},
		func(c *config.Config) { c.BehindTLSProxy = true },
		func(c *config.Config) {
			c.TLS, c.TrustedProxies = config.TLSSelfSigned, []netip.Prefix{netip.MustParsePrefix("0.0.0.0/1")}
		},
	}
	for _, v := range variants {
		in := in
		v(&in.Config)
		for _, p := range Run(context.Background(), in) {
			if !slices.Contains(got, p.ID) {
				got = append(got, p.ID)
			}
		}
	}
	assert.Len(t, got, len(checks), "each check fires once: %v", got)
}

func TestErrListsErrorsOnly(t *testing.T) {
	in := safe()
	in.Config.LogLevel = slog.LevelDebug
	assert.NoError(t, Run(context.Background(), in).Err(), "warnings do not stop a start")

	in.Config.BehindTLSProxy = false
	in.PolicyRisks = []string{`group "site": HIGH script-src 'unsafe-inline'`}
	err := Run(context.Background(), in).Err()
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, "insecure-cookies: session cookies are sent without Secure")
	assert.Contains(t, msg, "fix: serve https")
	assert.Contains(t, msg, `policy-high-risk: policy lint: group "site": HIGH script-src 'unsafe-inline'`)
	assert.NotContains(t, msg, "debug-logging")
}

func TestWrite(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Run(context.Background(), safe()).Write(&b))
	assert.Equal(t, "no problems found\n", b.String())

	in := safe()
	in.Config.BehindTLSProxy = false
	in.Config.LogLevel = slog.LevelDebug
	in.Config.Showcase = true
	b.Reset()
	require.NoError(t, Run(context.Background(), in).Write(&b))
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	require.Len(t, lines, 7)
	assert.True(t, strings.HasPrefix(lines[0], "ERROR insecure-cookies: "), lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "  fix: "), lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "WARNING showcase-mounted: "), lines[2])
	assert.True(t, strings.HasPrefix(lines[4], "WARNING debug-logging: "), lines[4])
	assert.Equal(t, "1 error, 2 warnings", lines[6])
}

func TestLogWarnings(t *testing.T) {
	in := safe()
	in.Config.LogLevel = slog.LevelDebug
	in.Config.BehindTLSProxy = false
	var b bytes.Buffer
	Run(context.Background(), in).LogWarnings(context.Background(), slog.New(slog.NewTextHandler(&b, nil)))
	assert.Contains(t, b.String(), `level=WARN msg="deploy check" id=debug-logging`)
	assert.NotContains(t, b.String(), "insecure-cookies", "errors are the refused start's message, not warnings")
}
