// Package redistest starts a throwaway redis-server for a test.
package redistest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
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
	return StartServer(t).URL
}

// Server is a redis-server started by StartServer, for tests of what the
// kit does when Redis goes away.
type Server struct {
	// URL is redis://127.0.0.1:PORT/0.
	URL    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// Stop kills the server and waits for it to exit: from then on a
// connection to its port is refused, as when Redis crashed or was stopped.
func (s *Server) Stop() {
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// Pause freezes the server (SIGSTOP): the kernel still accepts connections
// on its port, but nothing answers, as with a hung Redis or a lost
// network. Resume undoes it; the test's cleanup kills the server either
// way.
func (s *Server) Pause(t testing.TB) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatalf("pausing redis-server: %v", err)
	}
}

// Resume lets a paused server run again (SIGCONT).
func (s *Server) Resume(t testing.TB) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatalf("resuming redis-server: %v", err)
	}
}

// StartServer is Start, returning the server itself so the test can stop
// or pause it.
func StartServer(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server not found and CI is set: install it (%s)", Install)
		}
		t.Skipf("redis-server not found: %s (with CI set this fails)", Install)
	}
	// Between freePort closing its listener and redis-server binding the
	// port, another test's server may take it: then start again on another
	// port, a few times.
	for attempt := 1; ; attempt++ {
		s, out, err := start(t, bin)
		if err == nil {
			return s
		}
		if !bytes.Contains(out, []byte("Address already in use")) || attempt == 5 {
			t.Fatalf("%v:\n%s", err, out)
		}
	}
}

// start runs redis-server on a free port and waits for its PING; when it
// exits first, it returns why with its output.
func start(t testing.TB, bin string) (*Server, []byte, error) {
	t.Helper()
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
			return &Server{URL: url, cmd: cmd, exited: exited}, nil, nil
		}
		select {
		case <-exited:
			return nil, out.Bytes(), fmt.Errorf("redis-server on port %d exited before answering PING", port)
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
// take it before redis-server binds it; StartServer then tries another.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
