// Package redistest starts a throwaway redis-server for a test.
package redistest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
)

// Install is how to get redis-server on the kit's machines.
const Install = "apt-get install -y redis-server"

// Start runs redis-server on a free loopback port, with no persistence,
// until the test ends, and returns its URL (redis://127.0.0.1:PORT/0).
//
// Without redis-server the test is skipped, unless the CI environment
// variable is set: then a missing redis-server fails, so CI cannot pass by
// skipping what it was meant to run.
func Start(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server not found and CI is set: install it (%s)", Install)
		}
		t.Skipf("redis-server not found: %s (with CI set this fails)", Install)
	}
	port := freePort(t)
	var out bytes.Buffer
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ping(url) == nil {
			return url
		}
		select {
		case <-exited:
			t.Fatalf("redis-server exited before answering PING:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on port %d did not answer PING within 10s:\n%s", port, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ping(url string) error {
	c, err := redis.DialURL(url, redis.DialConnectTimeout(time.Second), redis.DialReadTimeout(time.Second))
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Do("PING")
	return err
}

// freePort asks the kernel for a free loopback port. Another process could
// take it before redis-server binds it; Start then fails with its output.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
