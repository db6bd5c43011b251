// Package wire benchmarks handlers through net/http's own server, over an
// in-memory connection.
//
// httptest's recorder leaves out what net/http does for every response on a
// real connection: it clones the handler's header map, sorts it, strips
// CR/LF from every value and writes it. For a page that work is as large as
// the security middleware itself, and it grows with each header a
// middleware adds, so comparing pages with and without a policy only means
// something through the real server. A socket would add the kernel and,
// under load, a second process to the figure; this connection reads the
// same request over and over and discards the answers.
package wire

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Bench serves b.N keep-alive GET requests for target through h, one after
// another on one connection. It fails b when the first answer is not a 200
// or when the server closes the connection early.
func Bench(b *testing.B, h http.Handler, target string) {
	b.Helper()
	bench(b, h, target, "", "200")
}

// BenchNotModified is Bench for a cached page's revalidation: each request
// carries If-None-Match: etag, and the answer must be a 304.
func BenchNotModified(b *testing.B, h http.Handler, target, etag string) {
	b.Helper()
	bench(b, h, target, "If-None-Match: "+etag+"\r\n", "304")
}

func bench(b *testing.B, h http.Handler, target, header, status string) {
	b.Helper()
	c := &conn{
		req:  []byte("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + header + "\r\n"),
		left: b.N,
		done: make(chan struct{}),
	}
	l := &listener{conns: make(chan net.Conn, 1)}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Minute}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(l)
	}()
	b.ReportAllocs()
	b.ResetTimer()
	l.conns <- c
	<-c.done
	b.StopTimer()
	close(l.conns)
	<-served

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left > 0 {
		b.Fatalf("GET %s: the server closed the connection with %d of %d requests unanswered; first answer: %q",
			target, c.left, b.N, c.first)
	}
	if !bytes.HasPrefix(c.first, []byte("HTTP/1.1 "+status+" ")) {
		b.Fatalf("GET %s: want %s, got %q (request %q)", target, status, c.first, c.req)
	}
}

// conn is a net.Conn whose reader is the same request repeated left times
// and whose writer keeps only the start of the first answer.
type conn struct {
	req []byte

	mu    sync.Mutex
	left  int // requests not yet read in full
	off   int // into req
	first []byte
	done  chan struct{}
	once  sync.Once
}

// Read hands out the request stream in whatever pieces net/http asks for:
// its background reader takes a single byte at a time.
func (c *conn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.req[c.off:])
	c.off += n
	if c.off == len(c.req) {
		c.off = 0
		c.left--
	}
	return n, nil
}

func (c *conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.first) < 64 {
		c.first = append(c.first, p[:min(len(p), 64-len(c.first))]...)
	}
	return len(p), nil
}

// Close is called by the server once it has written its last answer.
func (c *conn) Close() error {
	c.once.Do(func() { close(c.done) })
	return nil
}

func (c *conn) LocalAddr() net.Addr              { return addr }
func (c *conn) RemoteAddr() net.Addr             { return addr }
func (c *conn) SetDeadline(time.Time) error      { return nil }
func (c *conn) SetReadDeadline(time.Time) error  { return nil }
func (c *conn) SetWriteDeadline(time.Time) error { return nil }

var addr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}

// listener hands out the benchmark's one connection.
type listener struct{ conns chan net.Conn }

func (l *listener) Accept() (net.Conn, error) {
	c, ok := <-l.conns
	if !ok {
		return nil, net.ErrClosed
	}
	return c, nil
}

func (l *listener) Close() error   { return nil }
func (l *listener) Addr() net.Addr { return addr }
