package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheck runs `noncekit check` on configurations an operator might
// deploy and checks its exit status and the problems it names.
func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		operator bool // an operator account exists
		status   int
		has      []string
		hasNot   []string
		errorOut string
	}{
		{"production behind an https proxy", map[string]string{"APP_ENV": "production", "BEHIND_TLS_PROXY": "true", "TRUSTED_PROXIES": "10.0.0.2"}, true,
			0, []string{"no problems found"}, nil, ""},
		{"production without an operator", map[string]string{"APP_ENV": "production", "BEHIND_TLS_PROXY": "true", "TRUSTED_PROXIES": "10.0.0.2"}, false,
			0, []string{"WARNING no-operator: ", "user add --operator", "0 errors, 1 warning"}, nil, ""},
		{"production behind a proxy it does not trust", map[string]string{"APP_ENV": "production", "BEHIND_TLS_PROXY": "true"}, true,
			0, []string{"WARNING proxy-not-trusted: ", "  fix: set TRUSTED_PROXIES", "0 errors, 1 warning"}, nil, ""},
		{"a trusted proxy that is not an address", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8,nginx"}, false,
			1, nil, nil, `noncekit check: TRUSTED_PROXIES="10.0.0.0/8,nginx": "nginx" is not an IP address`},
		{"production on plain http", map[string]string{"APP_ENV": "production"}, true,
			1, []string{"ERROR insecure-cookies: ", "  fix: serve https", "1 error, 0 warnings"}, nil, ""},
		{"production with debug logs and the showcase", map[string]string{"APP_ENV": "production", "BEHIND_TLS_PROXY": "true", "TRUSTED_PROXIES": "10.0.0.2", "LOG_LEVEL": "debug", "SHOWCASE": "on"}, true,
			0, []string{"WARNING showcase-mounted: ", "WARNING debug-logging: ", "0 errors, 2 warnings"},
			[]string{"policy-high-risk"}, ""}, // the showcase's deliberate weaknesses are accepted
		// Issue 21: both passed `check` and a production start.
		{"production with the self-signed development certificate", map[string]string{"APP_ENV": "production", "TLS": "self-signed"}, true,
			1, []string{"ERROR self-signed-tls: ", "  fix: set TLS_CERT and TLS_KEY", "1 error, 0 warnings"}, nil, ""},
		{"production trusting the whole internet as its proxy", map[string]string{"APP_ENV": "production", "BEHIND_TLS_PROXY": "true", "TRUSTED_PROXIES": "0.0.0.0/1,128.0.0.0/1"}, true,
			1, []string{"ERROR trusted-proxies-public: ", "(0.0.0.0/1, 128.0.0.0/1)", "1 error, 0 warnings"}, nil, ""},
		{"production trusting an IPv6 /31", map[string]string{"APP_ENV": "production", "BEHIND_TLS_PROXY": "true", "TRUSTED_PROXIES": "10.0.0.2,2a00::/31"}, true,
			1, []string{"ERROR trusted-proxies-public: ", "(2a00::/31)"}, nil, ""},
		{"development defaults", map[string]string{}, false,
			1, []string{"ERROR insecure-cookies", "WARNING not-production", "WARNING showcase-mounted"}, nil, ""},
		{"development with the bench routes", map[string]string{"NONCEKIT_BENCH_ROUTES": "1", "BEHIND_TLS_PROXY": "true"}, false,
			1, []string{"ERROR bench-routes: "}, nil, ""},
		{"a setting that does not parse", map[string]string{"REPORT_BURST": "lots"}, false,
			1, nil, nil, `noncekit check: REPORT_BURST="lots"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"DATA_DIR": filepath.Join(t.TempDir(), "data"), "ADDR": "127.0.0.1:0"}
			for k, v := range tt.env {
				env[k] = v
			}
			getenv := func(k string) string { return env[k] }
			if tt.operator {
				require.NoError(t, runUser(context.Background(), []string{"add", "--operator", "op@example.com"}, getenv,
					strings.NewReader("a long enough password\n"), io.Discard, io.Discard))
			}
			var out, errOut bytes.Buffer
			status := check(context.Background(), getenv, &out, &errOut)
			assert.Equal(t, tt.status, status, "exit status; output:\n%s%s", out.String(), errOut.String())
			for _, s := range tt.has {
				assert.Contains(t, out.String(), s)
			}
			for _, s := range tt.hasNot {
				assert.NotContains(t, out.String(), s)
			}
			if tt.errorOut != "" {
				assert.Contains(t, errOut.String(), tt.errorOut)
			} else {
				assert.Empty(t, errOut.String())
			}
		})
	}
}

// TestProductionStartRunsTheDeployChecks: with APP_ENV=production an error
// stops the start with the list, before anything listens; warnings are
// logged and the server starts.
func TestProductionStartRunsTheDeployChecks(t *testing.T) {
	env := map[string]string{"APP_ENV": "production", "ADDR": "127.0.0.1:0", "DATA_DIR": filepath.Join(t.TempDir(), "data")}
	getenv := func(k string) string { return env[k] }
	var logs bytes.Buffer
	err := run(context.Background(), getenv, &logs)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "deploy checks failed")
	assert.Contains(t, err.Error(), "insecure-cookies: session cookies are sent without Secure")
	assert.NotContains(t, logs.String(), "serving")

	env["BEHIND_TLS_PROXY"] = "true"
	env["LOG_LEVEL"] = "debug"
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, getenv, pw)
		pw.Close()
	}()
	var seen []string
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		seen = append(seen, lines.Text())
		if strings.Contains(lines.Text(), `msg=serving`) {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	cancel()
	require.NoError(t, <-done)
	log := strings.Join(seen, "\n")
	assert.Contains(t, log, `msg=serving`)
	assert.Contains(t, log, `level=WARN msg="deploy check" id=debug-logging`)
}

// TestProductionRefusesSelfSignedTLSAndPublicProxies reproduces issue 21's
// finding (a production start served the localhost certificate, and
// believed X-Forwarded-For from the whole internet) and shows both stop
// the start, before anything listens.
func TestProductionRefusesSelfSignedTLSAndPublicProxies(t *testing.T) {
	env := map[string]string{"APP_ENV": "production", "ADDR": "127.0.0.1:0", "DATA_DIR": filepath.Join(t.TempDir(), "data"),
		"TLS": "self-signed", "TRUSTED_PROXIES": "0.0.0.0/1,128.0.0.0/1"}
	var logs bytes.Buffer
	err := run(context.Background(), func(k string) string { return env[k] }, &logs)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "self-signed-tls: TLS=self-signed serves a certificate for localhost")
	assert.Contains(t, err.Error(), "trusted-proxies-public: TRUSTED_PROXIES trusts more of the public internet")
	assert.NotContains(t, logs.String(), "serving")
}
