package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
