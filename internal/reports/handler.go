package reports

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Sink receives normalised violations. The receiver never blocks on it for
// long: Add runs on the request goroutine with a context that ends after
// Receiver.SinkTimeout, so a sink that stores remotely should queue and
// return. b is the sink's to keep.
type Sink interface {
	Add(ctx context.Context, b Batch)
}

// DefaultMaxBodyBytes caps a report body. A Chromium report is under 2 KiB
// and a batch of MaxEntries of them fits with room to spare.
const DefaultMaxBodyBytes = 64 << 10

// DefaultSinkTimeout bounds the context handed to Sink.Add.
const DefaultSinkTimeout = time.Second

// Receiver is the http.Handler of the report endpoint. Its fields are
// options; the zero value is usable and logs to slog.Default(). Set the
// fields before serving and do not change them after.
//
// Status codes: 204 for an accepted report, 405 (with Allow: POST) for any
// other method, 415 for another content type, 413 for a body over
// MaxBodyBytes, 400 for anything that does not parse. No input produces a
// 5xx: an attacker must not be able to make the endpoint look broken or
// fill error dashboards.
//
// The endpoint is meant to be same-origin (the csp package points report-uri
// and report-to at it), so it answers no CORS preflight. It does no rate
// limiting: put it behind the kit's limiter if one is configured.
type Receiver struct {
	// Sink receives each parsed batch. Default: LogSink with Logger.
	Sink Sink
	// Logger receives rejected requests, at debug level only, because any
	// client can cause them. Default slog.Default().
	Logger *slog.Logger
	// MaxBodyBytes caps the request body. Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// SinkTimeout bounds the context of Sink.Add. Default DefaultSinkTimeout.
	SinkTimeout time.Duration
	// Now stamps ReceivedAt. Default time.Now; tests fix it.
	Now func() time.Time
	// Client names the sender of a request for Violation.Client: an
	// opaque id, never the address itself (ClientHasher.ID of
	// ratelimit.ClientKey, in the server). Default: no client ("").
	Client func(r *http.Request) string
}

// NewHandler returns a Receiver that logs to log (nil: slog.Default()) and
// hands batches to sink (nil: a LogSink on log).
func NewHandler(log *slog.Logger, sink Sink) http.Handler {
	return &Receiver{Logger: log, Sink: sink}
}

func (rc *Receiver) logger() *slog.Logger {
	if rc.Logger != nil {
		return rc.Logger
	}
	return slog.Default()
}

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		rc.reject(w, r, http.StatusMethodNotAllowed, "method not allowed", nil)
		return
	}
	ct := r.Header.Get("Content-Type")
	// Check the type before reading: a wrong type is refused without
	// touching the body.
	if _, err := mediaType(ct); err != nil {
		rc.reject(w, r, http.StatusUnsupportedMediaType, "unsupported content type", err)
		return
	}
	limit := orDefault(rc.MaxBodyBytes, DefaultMaxBodyBytes)
	if r.ContentLength > limit {
		rc.reject(w, r, http.StatusRequestEntityTooLarge, "report too large", nil)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			rc.reject(w, r, http.StatusRequestEntityTooLarge, "report too large", err)
			return
		}
		// The client went away or sent a broken chunked body: its fault.
		rc.reject(w, r, http.StatusBadRequest, "unreadable body", err)
		return
	}
	now := time.Now
	if rc.Now != nil {
		now = rc.Now
	}
	meta := Meta{
		Group:      r.URL.Query().Get("group"),
		UserAgent:  r.UserAgent(),
		ReceivedAt: now(),
	}
	if rc.Client != nil {
		meta.Client = rc.Client(r)
	}
	b, err := Parse(ct, body, meta)
	if err != nil {
		rc.reject(w, r, http.StatusBadRequest, "malformed report", err)
		return
	}
	rc.add(r.Context(), b)
	w.WriteHeader(http.StatusNoContent)
}

func (rc *Receiver) add(ctx context.Context, b Batch) {
	// WithoutCancel: a browser that closes the connection right after
	// sending must not cancel the sink mid-write; the timeout still bounds it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), orDefault(rc.SinkTimeout, DefaultSinkTimeout))
	defer cancel()
	sink := rc.Sink
	if sink == nil {
		sink = LogSink{Logger: rc.logger()}
	}
	sink.Add(ctx, b)
}

// reject answers with a short plain-text message. The log line is at debug
// level and carries no body: whoever can POST can trigger it.
func (rc *Receiver) reject(w http.ResponseWriter, r *http.Request, code int, msg string, err error) {
	l := rc.logger()
	if l.Enabled(r.Context(), slog.LevelDebug) {
		attrs := []slog.Attr{slog.Int("status", code)}
		if err != nil {
			attrs = append(attrs, slog.String("error", clean(err.Error(), 256)))
		}
		l.LogAttrs(r.Context(), slog.LevelDebug, "csp report rejected", attrs...)
	}
	http.Error(w, msg, code)
}
