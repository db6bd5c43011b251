package report

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// errBodyTimeout is the fallback deadline's error.
var errBodyTimeout = errors.New("report body: read deadline passed")

// readBody reads the body, at most MaxBodyBytes, within BodyTimeout.
//
// The deadline is set on the connection (http.ResponseController), so a
// sender that stalls mid-body is cut off at the deadline. The server's own
// ReadTimeout (15 s in the kit) covers headers and body together and is
// meant for pages: a report needs far less. When the writer cannot reach
// the connection (a middleware's wrapper without Unwrap, a test recorder),
// the deadline is checked before each read instead: that cannot interrupt
// a read that is already waiting, so a stalled sender is then cut off by
// the server's ReadTimeout, holding only its own per-client slot.
func (rc *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var body io.Reader = http.MaxBytesReader(w, r.Body, rc.MaxBodyBytes)
	ctl := http.NewResponseController(w)
	// The connection's deadline is on the real clock, whatever Now says.
	onConn := ctl.SetReadDeadline(time.Now().Add(rc.BodyTimeout)) == nil
	if !onConn {
		body = &deadlineReader{r: body, now: rc.Now, deadline: rc.Now().Add(rc.BodyTimeout)}
	}
	b, err := io.ReadAll(body)
	if err == nil && onConn {
		// Once the body is in, the deadline has done its work: clear it so
		// it does not cut the connection's next read (net/http sets its
		// own deadlines again for the next request). After an error it
		// stays: the connection is closed after the answer.
		_ = ctl.SetReadDeadline(time.Time{})
	}
	return b, err
}

// deadlineReader fails every read that starts at or after deadline.
type deadlineReader struct {
	r        io.Reader
	now      func() time.Time
	deadline time.Time
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	if !d.now().Before(d.deadline) {
		return 0, errBodyTimeout
	}
	return d.r.Read(p)
}

// isTimeout reports whether err is a read deadline passing, on the
// connection or in the fallback.
func isTimeout(err error) bool {
	if errors.Is(err, errBodyTimeout) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	ne, ok := errors.AsType[net.Error](err)
	return ok && ne.Timeout()
}
