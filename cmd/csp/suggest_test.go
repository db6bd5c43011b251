package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/suggest"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/server"
)

// reportBodies are four reports as Chromium sends them over http
// (report-uri) for a page of the skeleton's site group with an image and a
// script from a second origin and an inline handler: the shape, to the
// byte, of the reports TestLearnDemo (internal/showcase/browser) logs for
// /demo/learn, moved to the site group so that this test stays when the
// showcase is removed. That test runs this command on its own store.
var reportBodies = []string{
	`{"csp-report":{"document-uri":"http://127.0.0.1:41234/","referrer":"","violated-directive":"script-src-elem","effective-directive":"script-src-elem","original-policy":"` + sitePolicy + `","disposition":"enforce","blocked-uri":"http://localhost:41234/widget.js","status-code":200,"script-sample":""}}`,
	`{"csp-report":{"document-uri":"http://127.0.0.1:41234/","referrer":"","violated-directive":"img-src","effective-directive":"img-src","original-policy":"` + sitePolicy + `","disposition":"enforce","blocked-uri":"http://localhost:41234/badge.svg","line-number":1,"column-number":2909,"source-file":"http://127.0.0.1:41234/","status-code":200,"script-sample":""}}`,
	// The handler twice: when Chromium parses the attribute, and when a
	// script clicks the button.
	`{"csp-report":{"document-uri":"http://127.0.0.1:41234/","referrer":"","violated-directive":"script-src-attr","effective-directive":"script-src-attr","original-policy":"` + sitePolicy + `","disposition":"enforce","blocked-uri":"inline","status-code":200,"script-sample":""}}`,
	`{"csp-report":{"document-uri":"http://127.0.0.1:41234/","referrer":"","violated-directive":"script-src-attr","effective-directive":"script-src-attr","original-policy":"` + sitePolicy + `","disposition":"enforce","blocked-uri":"inline","line-number":71,"column-number":34,"source-file":"http://127.0.0.1:41234/static/js/site.2686dd77bfbd.js","status-code":200,"script-sample":""}}`,
}

// sitePolicy is the site group's policy as Chromium quotes it.
const sitePolicy = "default-src 'self'; script-src 'nonce-+77/SS21B9DnPeBzdytd6Q==' 'strict-dynamic'; style-src 'self' 'nonce-+77/SS21B9DnPeBzdytd6Q=='; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; report-uri /csp-report?group=site"

// storeReports fills a DATA_DIR the way a running server does: the kit's
// real receiver and queue, and the store in the directory's database. It
// returns the environment `csp suggest` reads.
func storeReports(t *testing.T, bodies []string) func(string) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, _, err := database.Open(ctx, config.Config{DataDir: dir})
	require.NoError(t, err)
	srv, err := server.New(slog.New(slog.DiscardHandler), config.Config{},
		server.Options{DB: db, Reports: store.New(db, store.Options{})})
	require.NoError(t, err)
	for _, b := range bodies {
		req := httptest.NewRequest(http.MethodPost, "/csp-report?group=site", strings.NewReader(b))
		req.Header.Set("Content-Type", "application/csp-report")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		require.Equal(t, http.StatusNoContent, rec.Code)
	}
	require.NoError(t, srv.Close(ctx)) // writes what is queued
	require.NoError(t, db.Close())
	env := map[string]string{"DATA_DIR": dir, "SHOWCASE": "off"}
	return func(k string) string { return env[k] }
}

// want is what `csp suggest` prints for those reports.
const want = `site: Content-Security-Policy (Enforce), 3 kinds of report: 1 resolved, 2 refused

  Header:
    Content-Security-Policy: default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; img-src 'self' http://localhost:41234

  Go (the group's Enforce policy in the route table):
    site.Add(csp.ImgSrc, "http://localhost:41234")

  Resolves:
    img-src http://localhost:41234/badge.svg on / (enforce, 1 time)
      img-src gets http://localhost:41234.

  Refused:
    script-src-elem http://localhost:41234/widget.js on / (enforce, 1 time)
      Why: A script file from http://localhost:41234 without the nonce. Under 'strict-dynamic' browsers ignore host sources, so adding the origin to script-src would change nothing: the file runs only when its <script> tag carries the nonce, or integrity with a hash the policy lists.
      Instead: Load it through the nonced components: csp.Script(src, integrity), or <script src="…" nonce={ templ.GetNonce(ctx) }>. On a cacheable group, which has no nonce, give the tag integrity="sha384-…" and list that hash in script-src (csp.IntegritySource).
    script-src-attr inline on / (enforce, 2 times)
      Why: An inline event handler attribute (onclick=, onload=, …). No nonce can reach an attribute: allowing it would take 'unsafe-inline', or 'unsafe-hashes', which lets a copy of the handler injected anywhere run.
      Instead: Attach it from a nonced script: el.addEventListener("click", handler); for elements that come and go, one delegated listener on document (document.addEventListener("click", (e) => { const el = e.target.closest("[data-action]"); … })).
`

// TestSuggestPrintsTheChange: on a store holding those reports, `csp
// suggest` prints the exact header and Go expression and exits 1.
func TestSuggestPrintsTheChange(t *testing.T) {
	getenv := storeReports(t, reportBodies)
	for _, args := range [][]string{{"suggest"}, {"suggest", "--group", "site"}} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, getenv, &stdout, &stderr)
		assert.Equal(t, 1, code, "stderr: %s", &stderr)
		assert.Equal(t, want, stdout.String(), "%v", args)
		assert.Equal(t, "csp suggest: 1 route group to change: site\n", stderr.String())
	}

	var stdout, stderr bytes.Buffer
	require.Equal(t, 1, run(context.Background(), []string{"suggest", "--json"}, getenv, &stdout, &stderr))
	var got []suggest.Suggestion
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &got), stdout.String())
	require.Len(t, got, 1)
	assert.Equal(t, `site.Add(csp.ImgSrc, "http://localhost:41234")`, got[0].Go)
	require.Len(t, got[0].Refused, 2)
	assert.Equal(t, "script-needs-nonce", got[0].Refused[0].Kind)
	assert.Equal(t, "inline-handler", got[0].Refused[1].Kind)

	// Another group has nothing to change; reports older than --since are
	// left out.
	for _, args := range [][]string{{"suggest", "--group", "api"}, {"suggest", "--since", "1ns"}} {
		stdout.Reset()
		stderr.Reset()
		assert.Equal(t, 0, run(context.Background(), args, getenv, &stdout, &stderr), "%v: %s", args, &stderr)
		assert.Empty(t, stdout.String(), "%v", args)
		assert.Contains(t, stderr.String(), "nothing to change", "%v", args)
	}
}

func TestSuggestUsage(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string { return map[string]string{"DATA_DIR": dir}[k] }
	tests := []struct {
		name   string
		args   []string
		getenv func(string) string
		code   int
		stdout string
		stderr string
	}{
		{"empty store", []string{"suggest"}, getenv, 0, "", "nothing to change (0 stored reports read)"},
		{"empty store, JSON", []string{"suggest", "--json"}, getenv, 0, "[]\n", "nothing to change"},
		{"unknown group", []string{"suggest", "--group", "nosuch"}, getenv, 2, "", `no route group is named "nosuch"`},
		{"invalid group name", []string{"suggest", "--group", "a b"}, getenv, 2, "", "--group"},
		{"negative since", []string{"suggest", "--since", "-1h"}, getenv, 2, "", "--since"},
		{"stray argument", []string{"suggest", "learn"}, getenv, 2, "", `unexpected argument "learn"`},
		{"unknown flag", []string{"suggest", "--all"}, getenv, 2, "", "flag provided but not defined"},
		{"bad configuration", []string{"suggest"}, func(k string) string { return map[string]string{"APP_ENV": "staging"}[k] }, 2, "", "APP_ENV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, tt.code, run(context.Background(), tt.args, tt.getenv, &stdout, &stderr), "stderr: %s", &stderr)
			assert.Equal(t, tt.stdout, stdout.String())
			assert.Contains(t, stderr.String(), tt.stderr)
		})
	}
}
