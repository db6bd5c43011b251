package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowHoldLimit bounds how long a slow client waits for the server to hang
// up before the test calls it held open. It is a bound for a failing
// run, far above the header timeout, never a measurement.
const slowHoldLimit = 30 * time.Second

// TestSlowClientsAreCutOff: 200 clients that trickle their headers one line
// at a time (slowloris) neither stop GET / from answering nor keep their
// connections: the server hangs up on every one of them, however long it
// keeps trickling. The test shortens ReadHeaderTimeout from its production
// 5 s to keep the run short; the mechanism is the same. No duration is
// measured: the one clock is the bound, a client still connected after
// slowHoldLimit fails.
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
	var mu sync.Mutex
	cutOff, heldOpen := 0, 0
	for range clients {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Errorf("dial: %v", err)
				return
			}
			defer c.Close()
			fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\n", addr)
			connected <- struct{}{}
			// Trickle a header line whenever a short wait for the server's
			// answer passes without one, until the server hangs up.
			deadline := time.Now().Add(slowHoldLimit)
			buf := make([]byte, 512)
			for i := 0; time.Now().Before(deadline); i++ {
				if _, err := fmt.Fprintf(c, "X-Slow-%d: y\r\n", i); err != nil {
					break // the server closed the connection
				}
				_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
				_, err := c.Read(buf)
				if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
					continue // still open: keep trickling
				}
				break // closed by the server, or an answer (408) before closing
			}
			mu.Lock()
			defer mu.Unlock()
			if time.Now().Before(deadline) {
				cutOff++
			} else {
				heldOpen++
			}
		})
	}
	for range clients {
		<-connected
	}

	// With all 200 connections trickling, a normal visitor is still served.
	client := &http.Client{Timeout: slowHoldLimit}
	resp, err := client.Get("http://" + addr + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	wg.Wait()
	assert.Equal(t, clients, cutOff, "every slow client is cut off")
	assert.Zero(t, heldOpen, "slow clients still connected after %s", slowHoldLimit)
}
