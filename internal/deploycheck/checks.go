package deploycheck

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/noncekit/noncekit/internal/config"
)

// insecureCookies: over plain http, with no https proxy in front, the
// session cookie has no Secure attribute and no __Host- prefix, so it
// travels in clear text and a network attacker can read or plant it.
func insecureCookies(_ context.Context, in Input) []Problem {
	if in.Config.HTTPS() {
		return nil
	}
	return []Problem{{
		ID: "insecure-cookies", Severity: Error,
		Message: "session cookies are sent without Secure over plain http: TLS is off and BEHIND_TLS_PROXY is not set",
		Fix:     "serve https (set TLS_CERT and TLS_KEY), or set BEHIND_TLS_PROXY=true when an https proxy terminates TLS in front of the kit",
	}}
}

// proxyNotTrusted: behind a proxy whose address the kit does not trust,
// every client has the proxy's address, so the per-client report limit and
// sign-in throttle are one bucket that any one client can empty for all.
// (BEHIND_TLS_PROXY is the only sign of a proxy the kit has.)
func proxyNotTrusted(_ context.Context, in Input) []Problem {
	if !in.Config.BehindTLSProxy || len(in.Config.TrustedProxies) > 0 {
		return nil
	}
	return []Problem{{
		ID: "proxy-not-trusted", Severity: Warning,
		Message: "BEHIND_TLS_PROXY is set without TRUSTED_PROXIES: every client has the proxy's address, so the per-client report limit and sign-in throttle are one bucket shared by all",
		Fix:     "set TRUSTED_PROXIES to the proxy's address (such as 10.0.0.2) and have the proxy set X-Forwarded-For: docs/instances.md",
	}}
}

// selfSignedTLS: TLS=self-signed serves a certificate made for localhost
// that no browser trusts, under two years of HSTS: visitors get a
// certificate warning, and those who click through are taught to. It is
// for local work (Reporting API reports need https).
func selfSignedTLS(_ context.Context, in Input) []Problem {
	if in.Config.TLS != config.TLSSelfSigned {
		return nil
	}
	return []Problem{{
		ID: "self-signed-tls", Severity: Error,
		Message: "TLS=self-signed serves a certificate for localhost that no browser trusts, with HSTS: it is for local work only",
		Fix:     "set TLS_CERT and TLS_KEY to a real certificate, or terminate TLS at a proxy and set BEHIND_TLS_PROXY=true",
	}}
}

// publicProxies: trusting a proxy range anyone on the internet can send
// from lets any client name its own address in X-Forwarded-For, a new one
// per request, and walk past every per-client limit
// (config.PublicProxyRanges).
func publicProxies(_ context.Context, in Input) []Problem {
	wide := config.PublicProxyRanges(in.Config.TrustedProxies)
	if len(wide) == 0 {
		return nil
	}
	names := make([]string, len(wide))
	for i, p := range wide {
		names[i] = p.String()
	}
	return []Problem{{
		ID: "trusted-proxies-public", Severity: Error,
		Message: fmt.Sprintf("TRUSTED_PROXIES trusts more of the public internet than an IPv4 /%d or IPv6 /%d holds (%s): any client there can name its own address, and the per-client limits stop working",
			config.MaxPublicIPv4Bits, config.MaxPublicIPv6Bits, strings.Join(names, ", ")),
		Fix: "list only your proxies' own addresses or subnets in TRUSTED_PROXIES (such as 10.0.0.2 or 10.0.0.0/24): docs/instances.md",
	}}
}

// policyRisks: a High lint finding is a policy an injected script can get
// around; one that is deliberate says so with csp.Group.Accept.
func policyRisks(_ context.Context, in Input) []Problem {
	var ps []Problem
	for _, r := range in.PolicyRisks {
		ps = append(ps, Problem{
			ID: "policy-high-risk", Severity: Error,
			Message: "policy lint: " + r,
			Fix:     "fix the route group's policy, or set csp.Group.Accept with the reason the risk is deliberate",
		})
	}
	return ps
}

// benchRoutes: /bench/plain serves the home page with no policy at all.
// (config.FromEnv already refuses it with APP_ENV=production.)
func benchRoutes(_ context.Context, in Input) []Problem {
	if !in.Config.BenchRoutes {
		return nil
	}
	return []Problem{{
		ID: "bench-routes", Severity: Error,
		Message: "NONCEKIT_BENCH_ROUTES is set: /bench/plain serves a page with no Content-Security-Policy",
		Fix:     "unset NONCEKIT_BENCH_ROUTES; it is for `make load` only",
	}}
}

// noOperator: without an operator account nobody can read the reports
// the kit collects.
func noOperator(ctx context.Context, in Input) []Problem {
	if in.Operators == nil {
		return nil
	}
	const fix = "add one: go run ./cmd/noncekit user add --operator EMAIL"
	n, err := in.Operators.Operators(ctx)
	switch {
	case err != nil:
		return []Problem{{ID: "no-operator", Severity: Error,
			Message: fmt.Sprintf("counting operator accounts failed: %v", err),
			Fix:     "check that DATA_DIR holds the kit's database and is readable"}}
	case n == 0:
		return []Problem{{ID: "no-operator", Severity: Warning,
			Message: "there is no operator account: nobody can read the violation reports",
			Fix:     fix}}
	}
	return nil
}

// notProduction: the checks describe a deployment; a development
// configuration keeps the showcase and development defaults.
func notProduction(_ context.Context, in Input) []Problem {
	if in.Config.Production {
		return nil
	}
	return []Problem{{
		ID: "not-production", Severity: Warning,
		Message: "APP_ENV is not production: development defaults apply (the showcase is mounted unless SHOWCASE=off)",
		Fix:     "set APP_ENV=production where the kit is deployed",
	}}
}

// showcaseMounted: the showcase serves pages built to violate policies and
// a lab that serves any policy a visitor types; it belongs on a deployed
// site only on purpose.
func showcaseMounted(_ context.Context, in Input) []Problem {
	if !in.Config.Showcase {
		return nil
	}
	return []Problem{{
		ID: "showcase-mounted", Severity: Warning,
		Message: "the showcase is mounted: its pages violate policies on purpose, and its lab serves any policy a visitor types",
		Fix:     "set SHOWCASE=off (the default with APP_ENV=production) unless you host the demos on purpose",
	}}
}

// debugLogging: debug level logs detail any client can trigger, and costs
// throughput.
func debugLogging(_ context.Context, in Input) []Problem {
	if in.Config.LogLevel > slog.LevelDebug {
		return nil
	}
	return []Problem{{
		ID: "debug-logging", Severity: Warning,
		Message: "LOG_LEVEL=debug: every rejected report and lint detail is logged, lines any client can cause",
		Fix:     "set LOG_LEVEL=info (the default) or warn",
	}}
}
