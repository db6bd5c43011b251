// Package kitproc runs the kit's server binary for a load command: on a
// free loopback port, ready once /healthz answers, stopped the way an
// operator stops it (an interrupt, then a kill after 5 s).
package kitproc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"
)

// Server is a running kit binary.
type Server struct {
	Addr string // such as 127.0.0.1:40123
	Base string // http:// and Addr
	cmd  *exec.Cmd
}

// Start runs bin with env added to this process's environment and ADDR
// set to a free loopback address, its standard output to stdout and its
// errors to this process's, and waits up to ready for it to answer.
func Start(bin string, env []string, stdout io.Writer, ready time.Duration) (*Server, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(), env...), "ADDR="+addr)
	cmd.Stdout, cmd.Stderr = stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	s := &Server{Addr: addr, Base: "http://" + addr, cmd: cmd}
	if err := waitReady(s.Base+"/healthz", ready); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Pid is the server's process id, for a command that reads its CPU time.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Stop interrupts the server and waits for it to exit, killing it after
// 5 s.
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
	}
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitReady polls u until it answers 200, for at most limit: the server
// has no other way to say it is listening.
func waitReady(u string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("server not ready at " + u)
}
