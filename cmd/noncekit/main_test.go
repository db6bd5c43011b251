package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/devcert"
	"github.com/noncekit/noncekit/internal/reports/store"
)

// TestShutdownLetsInFlightRequestsFinish: on SIGTERM (here, ctx ending) the
// server stops accepting connections at once, and a request already being
// served still gets its full answer.
func TestShutdownLetsInFlightRequestsFinish(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "finished")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, slog.New(slog.DiscardHandler), hs, ln, 10*time.Second) }()

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()
	<-started
	cancel()

	// New connections are refused once shutdown has begun.
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	}, 5*time.Second, 10*time.Millisecond)

	close(release)
	r := <-got
	require.NoError(t, r.err)
	assert.Equal(t, "finished", r.body)
	require.NoError(t, <-done)
}

func TestRunRefusesBadConfig(t *testing.T) {
	err := run(context.Background(), func(k string) string {
		if k == "LOG_LEVEL" {
			return "chatty"
		}
		return ""
	}, io.Discard)
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "LOG_LEVEL"))
}

// TestServesSelfSignedTLSAndKeepsReports runs the command as `make
// run-tls` does: https with a generated certificate, so pages get
// report-to and Reporting-Endpoints, and a report posted before shutdown is
// in the database after it.
func TestServesSelfSignedTLSAndKeepsReports(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"ADDR": "127.0.0.1:0", "DATA_DIR": dataDir, "TLS": "self-signed", "LOG_LEVEL": "info"}
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, func(k string) string { return env[k] }, pw)
		pw.Close()
	}()
	urlRE := regexp.MustCompile(`url=(https://\S+)`)
	lines := bufio.NewScanner(pr)
	base := ""
	for base == "" && lines.Scan() {
		if m := urlRE.FindStringSubmatch(lines.Text()); m != nil {
			base = m[1]
		}
	}
	require.NotEmpty(t, base, "no serving line")
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Get(base + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get(csp.HeaderCSP), "report-to csp")
	assert.NotEmpty(t, resp.Header.Get(csp.HeaderReportingEndpoints))
	assert.Equal(t, "localhost", resp.TLS.PeerCertificates[0].Subject.CommonName)
	_, err = os.Stat(filepath.Join(dataDir, devcert.KeyFile))
	require.NoError(t, err)

	body := `[{"type":"csp-violation","url":"https://localhost/demo","body":{"documentURL":"https://localhost/demo","blockedURL":"inline","effectiveDirective":"script-src-elem","disposition":"enforce"}}]`
	resp, err = client.Post(base+"/csp-report?group=demo", "application/reports+json", strings.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)

	cancel()
	require.NoError(t, <-done)
	db, _, err := database.Open(context.Background(), config.Config{DataDir: dataDir})
	require.NoError(t, err)
	defer db.Close()
	list, err := store.New(db, store.Options{}).List(context.Background(), store.Filter{})
	require.NoError(t, err)
	require.Len(t, list, 1, "the queued report was written on shutdown")
	assert.Equal(t, "/demo", list[0].DocumentPath)
}
