package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/noncekit/noncekit/internal/reports"
)

// Server-sent event timings.
const (
	// streamHeartbeat keeps proxies and the browser from closing an idle
	// stream, and finds clients that left.
	streamHeartbeat = 15 * time.Second
	// streamWriteTimeout cuts off a client that stopped reading: one write
	// may not take longer.
	streamWriteTimeout = 10 * time.Second
)

// reportStream serves GET /api/reports/stream?group=&since=, for
// operators (requireOperatorAPI): a text/event-stream of the reports stored
// from now on (and of those stored recently, received at or after since,
// in unix milliseconds), one "report" event each, a report.Violation in
// its JSON form.
func (s *Server) reportStream(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	group := q.Get("group")
	if err := checkGroup(group); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var since time.Time
	if v := q.Get("since"); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms < 0 {
			http.Error(w, "since: want unix milliseconds", http.StatusBadRequest)
			return
		}
		since = time.UnixMilli(ms)
	}
	s.stream(w, r, func() (*reports.Subscription, error) { return s.hub.SubscribeSince(group, since) })
}

// stream serves a subscription as server-sent events, one "report" event
// per violation.
//
// The server's WriteTimeout would cut the stream after 30 s, so the
// handler clears the connection's deadline and sets a short one per write
// instead: a client that stops reading is dropped, by this deadline or by
// the hub when its buffer fills. The stream ends when the client leaves or
// the server shuts down (the hub closes every subscription).
func (s *Server) stream(w http.ResponseWriter, r *http.Request, subscribe func() (*reports.Subscription, error)) {
	sub, err := subscribe()
	switch {
	case errors.Is(err, reports.ErrHubFull):
		w.Header().Set("Retry-After", "10")
		http.Error(w, "too many live streams", http.StatusTooManyRequests)
		return
	case err != nil:
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	defer sub.Close()

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no") // tell nginx not to buffer the stream
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead { // the headers are the whole answer
		return
	}

	write := func(p []byte) bool {
		// ErrNotSupported (a test recorder) leaves the server's deadline.
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := w.Write(p); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// The first comment tells the client it is subscribed: anything
	// stored from now on reaches it.
	if !write([]byte("retry: 5000\n: subscribed\n\n")) {
		return
	}
	tick := time.NewTicker(streamHeartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if !write([]byte(": ping\n\n")) {
				return
			}
		case v, ok := <-sub.C:
			if !ok {
				return // too slow, or shutting down; EventSource reconnects
			}
			v.ReceivedAt = v.ReceivedAt.UTC()
			data, err := json.Marshal(v) // report.Violation's JSON form
			if err != nil {
				s.log.ErrorContext(r.Context(), "encoding live report", slog.Any("error", err))
				continue
			}
			// JSON has no raw newline, so one data: line carries it.
			msg := make([]byte, 0, len(data)+24)
			msg = append(msg, "event: report\ndata: "...)
			msg = append(msg, data...)
			msg = append(msg, "\n\n"...)
			if !write(msg) {
				return
			}
		}
	}
}
