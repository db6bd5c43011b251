package server

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSlowClientsAreCutOff: 200 clients that trickle their headers one line
// at a time (slowloris) neither stop GET / from answering nor hold their
// connections past the header timeout. The test shortens ReadHeaderTimeout
// from its production 5 s to keep the run short; the mechanism is the same.
func TestSlowClientsAreCutOff(t *testing.T) {
	const clients = 200
	s := newTestServer(t, Options{})
	hs := s.HTTPServer()
	hs.ReadHeaderTimeout = 500 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	addr := ln.Addr().String()

	var wg sync.WaitGroup
	connected := make(chan struct{}, clients)
	cutOff := make(chan time.Duration, clients)
	for range clients {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Errorf("dial: %v", err)
				return
			}
			defer c.Close()
			start := time.Now()
			fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\n", addr)
			connected <- struct{}{}
			// One header line every 100 ms until the server hangs up.
			for i := 0; ; i++ {
				if _, err := fmt.Fprintf(c, "X-Slow-%d: y\r\n", i); err != nil {
					break
				}
				_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
				buf := make([]byte, 512)
				if _, err := c.Read(buf); err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						continue // still open: keep trickling
					}
					break // closed by the server (or a 408 then close)
				}
				break
			}
			cutOff <- time.Since(start)
		})
	}
	for range clients {
		<-connected
	}

	// With all 200 connections trickling, a normal visitor is still served.
	client := &http.Client{Timeout: 2 * time.Second}
	start := time.Now()
	resp, err := client.Get("http://" + addr + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	t.Logf("GET / during the slow-client flood: %v", time.Since(start))

	wg.Wait()
	close(cutOff)
	var longest time.Duration
	for d := range cutOff {
		longest = max(longest, d)
	}
	t.Logf("longest slow client held its connection for %v (ReadHeaderTimeout %v)", longest, hs.ReadHeaderTimeout)
	assert.Less(t, longest, hs.ReadHeaderTimeout+2*time.Second, "slow clients are cut off near the header timeout")
}
