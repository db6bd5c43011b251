package report

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/internal/limit"
)

// slowPoster opens a connection from the loopback address local, sends a
// report request's headers and the first byte of its body, and trickles a
// byte now and then, never finishing the body while the test runs. The
// answer, if any comes, is sent on answers.
func slowPoster(t *testing.T, ctx context.Context, local, addr string, answers chan<- *http.Response) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.DialContext(ctx, "tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	_, err = fmt.Fprintf(c, "POST /csp-report?group=app HTTP/1.1\r\nHost: %s\r\nContent-Type: application/csp-report\r\nContent-Length: 4000\r\n\r\n{", addr)
	require.NoError(t, err)
	go func() { // the answer, when one comes
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			answers <- resp
		}
	}()
	go func() { // a byte every 100 ms until the test ends
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
}

// clientFrom returns an HTTP client whose connections come from the
// loopback address local, so the server's ClientKey tells it apart.
func clientFrom(local string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// TestSlowPostersLockOutOnlyThemselves reproduces the intake lockout: one
// address (127.0.0.1) opens 64 report POSTs and trickles their bodies,
// never finishing; before, they held all 64 shared slots for the server's
// 15 s ReadTimeout and another address got 37 of 38 reports refused. Now
// a second address (127.0.0.2) keeps having its reports accepted.
//
// The body deadline is set long here, so the slow posts hold on for the
// whole test: what lets the second address in is the per-client cap and
// the order (body first, shared slot after), not a timeout.
func TestSlowPostersLockOutOnlyThemselves(t *testing.T) {
	const slow, legit = 64, 50
	for _, tt := range []struct {
		name         string
		maxPerClient int
		// sharedFirst puts the old shared limit in front, held while the
		// body is read: the control that shows the test reproduces the
		// attack.
		sharedFirst  bool
		wantRefused  int // of the slow posts, answered 429 at once
		wantAccepted int // of the second address's reports
	}{
		{"per-client cap", 0, false, slow - DefaultMaxPerClient, legit},
		{"no per-client cap: the body is read before a shared slot is taken", 1000, false, 0, legit},
		{"control: a shared slot held while the body is read", 1000, true, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sink := &recordSink{}
			rc := newTestHandler(sink, func(h *Handler) {
				h.MaxPerClient, h.MaxInFlight, h.BodyTimeout = tt.maxPerClient, 64, time.Hour
				h.Now = time.Now
			})
			var h http.Handler = rc
			if tt.sharedFirst {
				h = sharedSlotFirst(64, rc)
			}
			srv := httptest.NewUnstartedServer(h)
			srv.Config.ReadTimeout = 15 * time.Second // the kit's
			srv.Start()
			// Close waits for requests in flight: end the slow ones first.
			defer func() { srv.CloseClientConnections(); srv.Close() }()
			addr := srv.Listener.Addr().String()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()

			answers := make(chan *http.Response, slow)
			for range slow {
				slowPoster(t, ctx, "127.0.0.1", addr, answers)
			}
			// The refusals come at once; the others are being read. Wait
			// for every refusal, so all 64 are known to be in the server.
			for range tt.wantRefused {
				select {
				case resp := <-answers:
					assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
					assert.Equal(t, "1", resp.Header.Get("Retry-After"))
				case <-time.After(10 * time.Second):
					t.Fatal("the slow posts past the client's cap were not refused")
				}
			}
			if tt.wantRefused == 0 {
				// No answer marks the moment: wait until all are being read.
				waitFor(t, func() bool { return rc.perClient.InUse("127.0.0.1") == slow })
			}

			client := clientFrom("127.0.0.2")
			accepted, refused := 0, 0
			for range legit {
				resp, err := client.Post(srv.URL+"/csp-report?group=app", TypeCSPReport,
					strings.NewReader(`{"csp-report":{"blocked-uri":"inline","effective-directive":"script-src-elem"}}`))
				require.NoError(t, err)
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusNoContent:
					accepted++
				case http.StatusTooManyRequests:
					refused++
				}
			}
			t.Logf("second address: %d of %d reports accepted, %d refused (429), while the first held %d slow POSTs",
				accepted, legit, refused, slow)
			assert.Equal(t, tt.wantAccepted, accepted)
			assert.Equal(t, legit-tt.wantAccepted, refused)
			assert.Len(t, sink.all(), tt.wantAccepted)
			assert.Empty(t, answers, "the slow posts still being read got no answer")
		})
	}
}

// TestSlowBodyIsCutAtItsDeadline: a body that stalls is answered 408 once
// BodyTimeout passes, over a real connection (the deadline is set on it).
func TestSlowBodyIsCutAtItsDeadline(t *testing.T) {
	tally := &dropTally{}
	h := newTestHandler(struct {
		*recordSink
		*dropTally
	}{&recordSink{}, tally}, func(h *Handler) { h.BodyTimeout, h.Now = 50*time.Millisecond, time.Now })
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	answers := make(chan *http.Response, 1)
	slowPoster(t, ctx, "127.0.0.1", srv.Listener.Addr().String(), answers)
	select {
	case resp := <-answers:
		assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	case <-time.After(10 * time.Second):
		t.Fatal("a stalled body was not cut off")
	}
	waitFor(t, func() bool { return h.perClient.Clients() == 0 })
	assert.Equal(t, 1, tally.count(DropSlowBody))
}

// TestBodyDeadlineWithoutConnectionAccess: when the writer cannot set a
// read deadline (a recorder here), the deadline is checked between reads.
func TestBodyDeadlineWithoutConnectionAccess(t *testing.T) {
	clock := newFakeClock()
	h := newTestHandler(&recordSink{}, func(h *Handler) { h.Now, h.BodyTimeout = clock.Now, 2*time.Second })
	body := &tickingReader{s: `{"csp-report":{"blocked-uri":"inline"}}`, clock: clock, step: 500 * time.Millisecond}
	req := httptest.NewRequest(http.MethodPost, "/csp-report", body)
	req.Header.Set("Content-Type", TypeCSPReport)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusRequestTimeout, rec.Code)
	assert.Equal(t, 4, body.reads, "cut at the first read after the deadline")

	// The same body, fast enough, is accepted.
	body = &tickingReader{s: `{"csp-report":{"blocked-uri":"inline"}}`, clock: clock, step: time.Millisecond}
	req = httptest.NewRequest(http.MethodPost, "/csp-report", body)
	req.Header.Set("Content-Type", TypeCSPReport)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusNoContent, rec.Code)
}

// tickingReader yields one byte per read and moves the clock by step.
type tickingReader struct {
	s     string
	clock *fakeClock
	step  time.Duration
	reads int
}

func (r *tickingReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	r.reads++
	r.clock.Advance(r.step)
	p[0], r.s = r.s[0], r.s[1:]
	return 1, nil
}

// waitFor polls cond, for state that has no event to wait on; it fails
// the test after 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("condition not reached in 10 s")
		}
	}
}

// sharedSlotFirst is the order the handler no longer uses, for the
// control case: a shared slot taken before the body is read, held while
// it trickles in.
func sharedSlotFirst(n int, next http.Handler) http.Handler {
	slots := limit.NewSlots(n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slots.TryAcquire() {
			limit.TooMany(w, "too many requests")
			return
		}
		defer slots.Release()
		next.ServeHTTP(w, r)
	})
}
