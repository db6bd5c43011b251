package server

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// serveOnLoopback serves s through its own http.Server (its timeouts and
// limits, as in production) on a free loopback port until the test ends,
// then shuts both down, and returns the base URL.
func serveOnLoopback(t testing.TB, s *Server) string {
	t.Helper()
	hs := s.HTTPServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		ctx := context.Background()
		_ = hs.Shutdown(ctx)
		_ = s.Close(ctx)
	})
	return "http://" + ln.Addr().String()
}
