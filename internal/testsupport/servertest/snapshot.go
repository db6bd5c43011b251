package servertest

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/static"
)

// snapshotHeaders are the headers that make up a route's policy.
var snapshotHeaders = []string{csp.HeaderCSP, csp.HeaderCSPReportOnly, csp.HeaderReportingEndpoints}

var nonceValue = regexp.MustCompile(`'nonce-([^']+)'`)

// reportParam finds a parameter of a report URL (report-uri, or the
// endpoint URL report-to names) other than group, which a handler added
// to its own response: its value may differ on every response (the
// showcase tags each view of its live demo), so the snapshot shows it as
// {name}.
var reportParam = regexp.MustCompile(`([?&])([a-z0-9_-]+)=([^&;,"\s]+)`)

// maskReportParams shows every report URL parameter but group as {name}.
func maskReportParams(v string) string {
	return reportParam.ReplaceAllStringFunc(v, func(m string) string {
		sub := reportParam.FindStringSubmatch(m)
		if sub[2] == "group" {
			return m
		}
		return sub[1] + sub[2] + "={" + sub[2] + "}"
	})
}

// maskFileHashes shows the hash source of each embedded file (a
// cacheable group lists the integrity of the scripts it loads) as
// '{integrity of NAME}': editing a script changes its hash, not the
// policy's meaning, and must not need a new snapshot.
func maskFileHashes(v string) string {
	for _, name := range static.Names() {
		if i := static.Integrity(name); i != "" {
			v = strings.ReplaceAll(v, string(csp.IntegritySource(i)), "'{integrity of "+name+"}'")
		}
	}
	return v
}

// AssertPolicySnapshot pins the exact policy headers of every route of s
// over http and https in the golden file, so a policy change shows up in
// review as a diff rather than slipping through. With update set it
// rewrites the file instead (`make snapshots`).
func AssertPolicySnapshot(t *testing.T, s Router, golden string, update bool) {
	t.Helper()
	routes := Routes(t, s.Routes())
	slices.SortStableFunc(routes, func(a, b Route) int {
		return strings.Compare(a.Pattern+" "+a.Method, b.Pattern+" "+b.Method)
	})
	var b strings.Builder
	b.WriteString("# The policy headers each route sends, nonce shown as {nonce}, a static file's hash as its name; \"-\" means absent.\n")
	b.WriteString("# Generated: after a deliberate policy change run `make snapshots` and review the diff.\n")
	for _, r := range routes {
		b.WriteString("\n" + r.Method + " " + r.Pattern + "\n")
		for _, scheme := range []string{"http", "https"} {
			resp := Serve(s, scheme, r)
			_ = resp.Body.Close()
			// Every nonce of one response must be the same one: only that
			// one becomes {nonce}, so a second, different nonce shows.
			nonce := ""
			for _, name := range snapshotHeaders {
				if m := nonceValue.FindStringSubmatch(resp.Header.Get(name)); m != nil && nonce == "" {
					nonce = m[1]
				}
			}
			for _, name := range snapshotHeaders {
				v := "-"
				if vs := resp.Header.Values(name); len(vs) > 0 {
					v = strings.Join(vs, " | ")
					if nonce != "" {
						v = strings.ReplaceAll(v, nonce, csp.NoncePlaceholder)
					}
					v = maskFileHashes(maskReportParams(v))
				}
				b.WriteString("  " + scheme + strings.Repeat(" ", len("https")-len(scheme)) + " " + name + ": " + v + "\n")
			}
		}
	}
	got := b.String()

	if update {
		require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
		t.Logf("wrote %s", golden)
		return
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run `make snapshots` to create it")
	assert.Equal(t, string(want), got,
		"the routes' policy headers drifted from %s: if the change is deliberate, run `make snapshots` and commit the diff", golden)
}
