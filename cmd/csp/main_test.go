package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
)

// noEnv is an empty environment: lint reads none.
func noEnv(string) string { return "" }

const strictPolicy = "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func TestRun(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // a substring of standard output, "" for none
		stderr string // a substring of standard error
	}{
		{"clean strict policy", []string{"lint", strictPolicy}, 0, "", "0 findings, 0 HIGH"},
		{"unsafe-inline", []string{"lint", "script-src 'unsafe-inline'; object-src 'none'"}, 1, "HIGH  script-src  'unsafe-inline'  ", "1 finding, 1 HIGH"},
		{"garbage", []string{"lint", "this is not; a policy"}, 2, "", "this: unknown directive"},
		{"unquoted keyword names directive and value", []string{"lint", "default-src self"}, 2, "", `default-src: "self": keyword must be quoted`},
		{"medium only", []string{"lint", "default-src 'none'; script-src 'self'"}, 0, "MEDIUM  script-src  'self'", ""},
		{"missing directive has dash value", []string{"lint", "script-src 'none'"}, 1, "HIGH  object-src  -  ", ""},
		{"report-only", []string{"lint", "--report-only", "default-src 'none'; sandbox; report-uri /r"}, 0, "LOW  sandbox  -  ", csp.HeaderCSPReportOnly},
		{"flag after policy", []string{"lint", "default-src 'none'; frame-ancestors 'none'", "-meta"}, 0, "MEDIUM  frame-ancestors  -", "meta element"},
		{"both deliveries", []string{"lint", "-meta", "-report-only", strictPolicy}, 2, "", "exclude each other"},
		{"no policy", []string{"lint"}, 2, "", "want one policy"},
		{"two policies", []string{"lint", "default-src 'none'", "img-src 'self'"}, 2, "", "got 2 arguments"},
		{"unknown flag", []string{"lint", "-strict", strictPolicy}, 2, "", "flag provided but not defined"},
		{"no command", nil, 2, "", "usage: csp lint"},
		{"unknown command", []string{"check", strictPolicy}, 2, "", `unknown command "check"`},
		{"help", []string{"help"}, 0, "usage: csp lint", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, noEnv, &stdout, &stderr)
			assert.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
			if tt.stdout == "" && tt.code != 0 {
				assert.Empty(t, stdout.String())
			}
			assert.Contains(t, stdout.String(), tt.stdout)
			assert.Contains(t, stderr.String(), tt.stderr)
		})
	}
}

func TestRunOutputFormat(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"lint", "script-src 'unsafe-inline' 'unsafe-eval'"}, noEnv, &stdout, &stderr)
	require.Equal(t, 1, code)
	lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
	require.Len(t, lines, 3)
	// Severity first, most severe first; directive and value are single
	// fields, the message is the rest of the line.
	for i, want := range [][3]string{
		{"HIGH", "script-src", "'unsafe-inline'"},
		{"HIGH", "object-src", "-"},
		{"MEDIUM", "script-src", "'unsafe-eval'"},
	} {
		fields := strings.Fields(lines[i])
		require.Greater(t, len(fields), 3, lines[i])
		assert.Equal(t, want[:], fields[:3], lines[i])
	}
	// The message column starts at the same offset on every line.
	col := strings.Index(lines[0], "'unsafe-inline' lets")
	require.Positive(t, col)
	for _, l := range lines[1:] {
		assert.NotEqual(t, byte(' '), l[col], l)
		assert.Equal(t, byte(' '), l[col-1], l)
	}
}
