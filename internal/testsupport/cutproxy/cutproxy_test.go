package cutproxy

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echo is a loopback server that writes back each line it reads.
func echo(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); _ = c.Close() }()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(c net.Conn, line string) (string, error) {
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

// TestCutAndRestore: connections through the proxy reach the target; Cut
// closes them and refuses new ones; Restore lets new ones through again.
func TestCutAndRestore(t *testing.T) {
	p := Start(t, echo(t))
	c, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	got, err := roundTrip(c, "before")
	require.NoError(t, err)
	assert.Equal(t, "before\n", got)

	p.Cut()
	_, err = roundTrip(c, "during")
	assert.Error(t, err, "the open connection is closed")
	d, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err, "the proxy still accepts")
	_, err = roundTrip(d, "during")
	assert.Error(t, err, "and closes at once")

	p.Restore()
	e, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	got, err = roundTrip(e, "after")
	require.NoError(t, err)
	assert.Equal(t, "after\n", got)
	_ = e.Close()
}
