package servertest

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// headBound bounds one route's HEAD and GET exchange: a route that hangs
// fails the test instead of stalling it.
const headBound = 10 * time.Second

// AssertHeadMatchesGet serves s on a loopback listener and sends, for every
// GET route (and the not-found page), a GET and a HEAD. RFC 9110 section
// 9.3.2: a HEAD gets the same status and header fields as the GET, and no
// body. The absence of a body is checked on the wire: the HEAD is
// pipelined with a second request on one connection, and the bytes after
// the HEAD's header block must be the second response. It returns how many
// routes it checked.
func AssertHeadMatchesGet(t *testing.T, s Router) int {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	n := 0
	for _, r := range Routes(t, s.Routes()) {
		if r.Method != http.MethodGet {
			continue
		}
		n++
		t.Run("HEAD "+r.Pattern, func(t *testing.T) {
			get := roundTrip(t, ts.URL, http.MethodGet, r.Path)
			head := headOnWire(t, ts.Listener.Addr().String(), r.Path)
			assert.Equal(t, get.StatusCode, head.StatusCode, "status")
			want := comparable(get.Header)
			if head.Header.Get("Content-Length") == "" {
				// RFC 9110 9.3.2 lets a HEAD omit fields known only once
				// the content is generated, such as the Content-Length of
				// a buffered body (net/http's Redirect writes none for
				// HEAD). When the HEAD has one, it must be the GET's.
				want.Del("Content-Length")
			}
			assert.Equal(t, want, comparable(head.Header), "header fields")
		})
	}
	return n
}

// roundTrip sends one request and returns the response with its body
// closed. A stream's body is never read: its headers are what is compared.
func roundTrip(t *testing.T, base, method, path string) *http.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), headBound)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, base+path, nil)
	require.NoError(t, err)
	c := &http.Client{
		// No Accept-Encoding: like the raw HEAD, so content negotiation
		// picks the same representation for both.
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp
}

// probePath is a small, body-bearing response that follows the HEAD on the
// same connection. Whatever the HEAD left on the wire would be read as the
// start of this response and break its parsing.
const probePath = "/no-such-page-after-head"

// headOnWire sends HEAD path and then GET probePath on one raw connection
// and reads both responses in order.
func headOnWire(t *testing.T, addr, path string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(headBound)))
	_, err = io.WriteString(conn, "HEAD "+path+" HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"+
		"GET "+probePath+" HTTP/1.1\r\nHost: "+addr+"\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)

	br := bufio.NewReader(conn)
	head, err := http.ReadResponse(br, &http.Request{Method: http.MethodHead})
	require.NoError(t, err)
	probe, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	require.NoError(t, err, "the bytes after the HEAD's headers are not the next response: the HEAD sent a body")
	body, err := io.ReadAll(probe.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, probe.StatusCode, "the request after the HEAD")
	assert.Contains(t, string(body), "</html>", "the request after the HEAD got its whole page")
	rest, _ := io.ReadAll(br)
	assert.Empty(t, rest, "bytes left on the connection after both responses")
	return head
}

// comparable is h without what differs between any two responses of one
// route: the Date, each response's own nonce and session token.
func comparable(h http.Header) http.Header {
	out := h.Clone()
	out.Del("Date")
	for k, vs := range out {
		if strings.HasPrefix(k, "Content-Security-Policy") {
			for i, v := range vs {
				vs[i] = maskReportParams(nonceValue.ReplaceAllString(v, "'nonce-…'"))
			}
		}
	}
	if cs := out.Values("Set-Cookie"); len(cs) > 0 {
		names := make([]string, 0, len(cs))
		for _, c := range cs {
			name, _, _ := strings.Cut(c, "=")
			names = append(names, name+"=…")
		}
		slices.Sort(names)
		out["Set-Cookie"] = names
	}
	return out
}
