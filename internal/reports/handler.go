package reports

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/noncekit/noncekit/internal/ratelimit"
)

// Sink receives normalised violations. The receiver never blocks on it for
// long: Add runs on the request goroutine with a context that ends after
// HandlerOptions.SinkTimeout, so a sink that stores remotely should queue
// and return. b is the sink's to keep.
type Sink interface {
	Add(ctx context.Context, b Batch)
}

// Receiver defaults.
const (
	// DefaultMaxBodyBytes caps a report body. A Chromium report is under
	// 2 KiB and a batch of MaxEntries of them fits with room to spare.
	DefaultMaxBodyBytes = 64 << 10
	// DefaultSinkTimeout bounds the context handed to Sink.Add.
	DefaultSinkTimeout = time.Second
	// DefaultMaxPerClient caps one client's report requests in flight. A
	// browser sends reports one request at a time per page.
	DefaultMaxPerClient = 4
	// DefaultMaxInFlight caps the report requests parsed at once.
	DefaultMaxInFlight = 64
	// DefaultBodyTimeout bounds reading a report body. A report is a few
	// KiB sent at once; 2 s is ample on a slow mobile link.
	DefaultBodyTimeout = 2 * time.Second
)

// HandlerOptions tune NewHandler; the zero value gives the defaults.
type HandlerOptions struct {
	// Limiter charges each client one token per violation a request
	// carries, and at least one per request. nil: no per-client rate
	// limit (put one in front).
	Limiter *ratelimit.Limiter
	// Key tells clients apart for Limiter and MaxPerClient. Default
	// ratelimit.ClientKey, the kit's one definition of a client.
	Key func(*http.Request) string
	// MaxPerClient caps one client's requests in flight; it is checked
	// before anything else. Default DefaultMaxPerClient.
	MaxPerClient int
	// MaxInFlight caps the requests being parsed and handed to the sink at
	// once, all clients together. A request takes a slot only once its
	// body is read. Default DefaultMaxInFlight.
	MaxInFlight int
	// BodyTimeout bounds reading the body. Default DefaultBodyTimeout.
	BodyTimeout time.Duration
	// MaxBodyBytes caps the request body. Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// SinkTimeout bounds the context of Sink.Add. Default
	// DefaultSinkTimeout.
	SinkTimeout time.Duration
	// Now stamps ReceivedAt, and times the body read when the connection
	// takes no read deadline. Default time.Now; tests fix it.
	Now func() time.Time
}

// Receiver is the http.Handler of the report endpoint; NewHandler makes
// one.
//
// Status codes: 204 for an accepted report, 405 (with Allow: POST) for any
// other method, 415 for another content type, 413 for a body over
// MaxBodyBytes, 408 for a body slower than BodyTimeout, 400 for anything
// that does not parse, 429 (with Retry-After) past a limit. No input
// produces a 5xx: an attacker must not be able to make the endpoint look
// broken or fill error dashboards.
//
// The threat it is built against: anyone may POST here, with any body, as
// slowly as they like, from one address or many. So, in this order:
//
//  1. Each client (Key) has at most MaxPerClient requests in flight: slow
//     posters lock out only themselves.
//  2. A request past its client's rate limit is refused before its body is
//     read.
//  3. The body is read under its own deadline, BodyTimeout, not the
//     server's whole-request ReadTimeout, and without holding a shared
//     slot: before this order, 64 slow POSTs from one address held all 64
//     shared slots for 15 s and every other address got 429.
//  4. Only then does the request take one of MaxInFlight shared slots, to
//     parse and hand over.
//  5. Each violation costs a token: a batch larger than the client's
//     tokens left keeps its first violations, as many as there are
//     tokens, and the rest are counted as dropped. The answer is still
//     204: the request did not fail, and a retry could never fit a batch
//     larger than the burst.
//
// Every answer but 204 closes the connection: net/http would otherwise
// read what is left of an unread body before answering, which a slow
// sender trickles for as long as the server's ReadTimeout allows.
//
// Refusals are counted, not logged one by one: when the sink is a
// DropCounter (LogSink, or Sinks holding one) it gets the counts for its
// summary line. Each refusal also logs a line at debug level.
//
// The endpoint is meant to be same-origin (the csp package points
// report-uri and report-to at it), so it answers no CORS preflight.
type Receiver struct {
	o         HandlerOptions // defaults filled in
	log       *slog.Logger
	sink      Sink
	drops     DropCounter // nil when the sink counts none
	perClient *ratelimit.ClientSlots
	inFlight  *ratelimit.Slots
}

// NewHandler returns a Receiver that logs rejected requests to log (nil:
// slog.Default()) and hands batches to sink (nil: NewLogSink(log), whose
// pending counts are then never flushed: a server passes its own LogSink
// and closes it).
func NewHandler(log *slog.Logger, sink Sink, o HandlerOptions) *Receiver {
	if log == nil {
		log = slog.Default()
	}
	if sink == nil {
		sink = NewLogSink(log)
	}
	if o.Key == nil {
		o.Key = ratelimit.ClientKey
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.MaxPerClient = orDefault(o.MaxPerClient, DefaultMaxPerClient)
	o.MaxInFlight = orDefault(o.MaxInFlight, DefaultMaxInFlight)
	o.BodyTimeout = orDefault(o.BodyTimeout, DefaultBodyTimeout)
	o.MaxBodyBytes = orDefault(o.MaxBodyBytes, DefaultMaxBodyBytes)
	o.SinkTimeout = orDefault(o.SinkTimeout, DefaultSinkTimeout)
	rc := &Receiver{
		o:         o,
		log:       log,
		sink:      sink,
		perClient: ratelimit.NewClientSlots(o.MaxPerClient),
		inFlight:  ratelimit.NewSlots(o.MaxInFlight),
	}
	rc.drops, _ = sink.(DropCounter)
	return rc
}

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := rc.o.Key(r)
	if !rc.perClient.TryAcquire(key) {
		rc.refuse(w, r, DropClientBusy, "too many requests from this client")
		return
	}
	defer rc.perClient.Release(key)

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
	if r.ContentLength > rc.o.MaxBodyBytes {
		rc.reject(w, r, http.StatusRequestEntityTooLarge, "report too large", nil)
		return
	}
	if rc.o.Limiter != nil && rc.o.Limiter.Take(key, 1) == 0 {
		rc.refuse(w, r, DropRateLimited, "too many reports")
		return
	}

	body, err := rc.readBody(w, r)
	if err != nil {
		switch _, tooLarge := errors.AsType[*http.MaxBytesError](err); {
		case tooLarge:
			rc.reject(w, r, http.StatusRequestEntityTooLarge, "report too large", err)
		case isTimeout(err):
			rc.countDrop(DropSlowBody, 1)
			rc.reject(w, r, http.StatusRequestTimeout, "report body too slow", err)
		default:
			// The client went away or sent a broken chunked body: its fault.
			rc.reject(w, r, http.StatusBadRequest, "unreadable body", err)
		}
		return
	}
	if !rc.inFlight.TryAcquire() {
		rc.refuse(w, r, DropServerBusy, "server busy")
		return
	}
	defer rc.inFlight.Release()
	q := r.URL.Query()
	b, err := Parse(ct, body, Meta{
		Group:      q.Get("group"),
		View:       q.Get("view"),
		UserAgent:  r.UserAgent(),
		ReceivedAt: rc.o.Now(),
	})
	if err != nil {
		rc.reject(w, r, http.StatusBadRequest, "malformed report", err)
		return
	}
	rc.charge(key, &b)
	rc.add(r.Context(), b)
	w.WriteHeader(http.StatusNoContent)
}

// charge takes a token per violation past the first (the request's token
// paid for that one) and cuts the batch to what the client could pay for.
func (rc *Receiver) charge(key string, b *Batch) {
	n := len(b.Violations)
	if rc.o.Limiter == nil || n <= 1 {
		return
	}
	keep := 1 + rc.o.Limiter.Take(key, n-1)
	if keep < n {
		b.truncate(keep)
		rc.countDrop(DropRateLimitedViolations, n-keep)
	}
}

func (rc *Receiver) add(ctx context.Context, b Batch) {
	// WithoutCancel: a browser that closes the connection right after
	// sending must not cancel the sink mid-write; the timeout still bounds it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rc.o.SinkTimeout)
	defer cancel()
	rc.sink.Add(ctx, b)
}

func (rc *Receiver) countDrop(reason DropReason, n int) {
	if rc.drops != nil {
		rc.drops.Dropped(reason, n)
	}
}

// refuse answers 429 past a limit and counts the refusal.
func (rc *Receiver) refuse(w http.ResponseWriter, r *http.Request, reason DropReason, msg string) {
	rc.countDrop(reason, 1)
	rc.logRejected(r, http.StatusTooManyRequests, nil)
	w.Header().Set("Connection", "close")
	ratelimit.TooMany(w, msg)
}

// reject answers with a short plain-text message.
func (rc *Receiver) reject(w http.ResponseWriter, r *http.Request, code int, msg string, err error) {
	rc.logRejected(r, code, err)
	w.Header().Set("Connection", "close")
	http.Error(w, msg, code)
}

// logRejected logs at debug level only and carries no body: whoever can
// POST can trigger it.
func (rc *Receiver) logRejected(r *http.Request, code int, err error) {
	if !rc.log.Enabled(r.Context(), slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{slog.Int("status", code)}
	if err != nil {
		attrs = append(attrs, slog.String("error", clean(err.Error(), 256)))
	}
	rc.log.LogAttrs(r.Context(), slog.LevelDebug, "csp report rejected", attrs...)
}
