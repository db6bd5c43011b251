package report

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/noncekit/noncekit/csp/internal/limit"
)

// Sink receives normalised violations. The receiver never blocks on it for
// long: Add runs on the request goroutine with a context that ends after
// Handler.SinkTimeout, so a sink that stores remotely should queue
// and return. b is the sink's to keep.
type Sink interface {
	Add(ctx context.Context, b Batch)
}

// Handler defaults.
const (
	// DefaultRate and DefaultBurst are the violations one client may send
	// per second, and at once.
	DefaultRate  = 20
	DefaultBurst = 100
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

// Handler is the http.Handler of a report endpoint: point a csp.Manager's
// ReportPath at the route that serves it. [NewHandler] returns one with
// the defaults; set its fields before it serves its first request and
// leave them alone after. A zero or negative limit takes its default.
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
//  1. Each client (ClientKey) has at most MaxPerClient requests in
//     flight: slow posters lock out only themselves.
//  2. A request past its client's rate limit is refused before its body
//     is read.
//  3. The body is read under its own deadline, BodyTimeout, not the
//     server's whole-request ReadTimeout, and without holding a shared
//     slot: 64 slow POSTs from one address must not hold every shared
//     slot while other addresses get 429.
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
// [DropCounter] ([LogSink], or [Sinks] holding one) it gets the counts for
// its summary line, every refusal under its DropReason. Each refusal also
// logs a line at debug level. An access log in front of the handler
// should leave refused requests to that summary too (the kit's does): a
// client refused a thousand times a second would otherwise write a
// thousand lines a second.
//
// Each violation carries its client as an opaque id (Violation.Client), an
// HMAC of ClientKey under a key drawn at start: a store can keep one
// client's flood from displacing everyone else's reports without keeping
// anyone's address.
//
// The endpoint is meant to be same-origin (csp.Manager points report-uri
// and report-to at it), so it answers no CORS preflight.
type Handler struct {
	// Sink receives every accepted batch. Default: a LogSink on Logger,
	// whose pending counts are never flushed; an app passes its own
	// LogSink and closes it.
	Sink Sink
	// Logger receives a debug line per refused request. Default
	// slog.Default().
	Logger *slog.Logger
	// ClientKey tells clients apart for the per-client limits. Default
	// [ClientKey]: the remote address, IPv6 grouped by /64. Behind a
	// reverse proxy, rewrite r.RemoteAddr to the client a trusted proxy
	// names before this handler runs, or every client shares one key.
	ClientKey func(*http.Request) string
	// Rate and Burst bound each client's violations: Burst at once, then
	// Rate per second. A request costs at least one. Default DefaultRate,
	// DefaultBurst.
	Rate  float64
	Burst int
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
	// Now stamps ReceivedAt and runs the rate limit's clock. Default
	// time.Now; tests fix it.
	Now func() time.Time

	once      sync.Once
	limiter   *limit.Limiter
	perClient *limit.ClientSlots
	inFlight  *limit.Slots
	clients   *clientHasher
	drops     DropCounter // nil when the sink counts none
}

// NewHandler returns a Handler with the default limits that hands
// accepted batches to sink (nil for a LogSink on slog.Default()).
func NewHandler(sink Sink) *Handler {
	return &Handler{Sink: sink, Rate: DefaultRate, Burst: DefaultBurst, MaxPerClient: DefaultMaxPerClient,
		MaxInFlight: DefaultMaxInFlight, BodyTimeout: DefaultBodyTimeout, MaxBodyBytes: DefaultMaxBodyBytes,
		SinkTimeout: DefaultSinkTimeout}
}

// init fills in the defaults and builds the limits, once.
func (rc *Handler) init() {
	if rc.Logger == nil {
		rc.Logger = slog.Default()
	}
	if rc.Sink == nil {
		rc.Sink = NewLogSink(rc.Logger)
	}
	if rc.ClientKey == nil {
		rc.ClientKey = ClientKey
	}
	if rc.Now == nil {
		rc.Now = time.Now
	}
	if rc.Rate <= 0 || rc.Burst <= 0 {
		rc.Rate, rc.Burst = DefaultRate, DefaultBurst
	}
	rc.MaxPerClient = orDefault(rc.MaxPerClient, DefaultMaxPerClient)
	rc.MaxInFlight = orDefault(rc.MaxInFlight, DefaultMaxInFlight)
	rc.BodyTimeout = orDefault(rc.BodyTimeout, DefaultBodyTimeout)
	rc.MaxBodyBytes = orDefault(rc.MaxBodyBytes, DefaultMaxBodyBytes)
	rc.SinkTimeout = orDefault(rc.SinkTimeout, DefaultSinkTimeout)
	rc.limiter = limit.New(rc.Rate, rc.Burst, 0)
	rc.limiter.Now = rc.Now
	rc.perClient = limit.NewClientSlots(rc.MaxPerClient)
	rc.inFlight = limit.NewSlots(rc.MaxInFlight)
	rc.clients = newClientHasher()
	rc.drops, _ = rc.Sink.(DropCounter)
}

func orDefault[T ~int | ~int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// ServeHTTP receives one report request.
func (rc *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.once.Do(rc.init)
	key := rc.ClientKey(r)
	if !rc.perClient.TryAcquire(key) {
		rc.refuse(w, r, DropClientBusy, "too many requests from this client")
		return
	}
	defer rc.perClient.Release(key)

	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		rc.reject(w, r, DropWrongMethod, http.StatusMethodNotAllowed, "method not allowed", nil)
		return
	}
	ct := r.Header.Get("Content-Type")
	// Check the type before reading: a wrong type is refused without
	// touching the body.
	if _, err := mediaType(ct); err != nil {
		rc.reject(w, r, DropWrongType, http.StatusUnsupportedMediaType, "unsupported content type", err)
		return
	}
	if r.ContentLength > rc.MaxBodyBytes {
		rc.reject(w, r, DropTooLarge, http.StatusRequestEntityTooLarge, "report too large", nil)
		return
	}
	if rc.limiter.Take(key, 1) == 0 {
		rc.refuse(w, r, DropRateLimited, "too many reports")
		return
	}

	body, err := rc.readBody(w, r)
	if err != nil {
		switch _, tooLarge := errors.AsType[*http.MaxBytesError](err); {
		case tooLarge:
			rc.reject(w, r, DropTooLarge, http.StatusRequestEntityTooLarge, "report too large", err)
		case isTimeout(err):
			rc.reject(w, r, DropSlowBody, http.StatusRequestTimeout, "report body too slow", err)
		default:
			// The client went away or sent a broken chunked body: its fault.
			rc.reject(w, r, DropMalformed, http.StatusBadRequest, "unreadable body", err)
		}
		return
	}
	if !rc.inFlight.TryAcquire() {
		rc.refuse(w, r, DropServerBusy, "server busy")
		return
	}
	defer rc.inFlight.Release()
	q := r.URL.Query()
	meta := Meta{
		Group:      q.Get("group"),
		UserAgent:  r.UserAgent(),
		ReceivedAt: rc.Now(),
		Client:     rc.clients.id(key),
	}
	b, err := Parse(ct, body, meta)
	if err != nil {
		rc.reject(w, r, DropMalformed, http.StatusBadRequest, "malformed report", err)
		return
	}
	rc.charge(key, &b)
	rc.add(r.Context(), b)
	w.WriteHeader(http.StatusNoContent)
}

// charge takes a token per violation past the first (the request's token
// paid for that one) and cuts the batch to what the client could pay for.
func (rc *Handler) charge(key string, b *Batch) {
	n := len(b.Violations)
	if n <= 1 {
		return
	}
	keep := 1 + rc.limiter.Take(key, n-1)
	if keep < n {
		b.truncate(keep)
		rc.countDrop(DropRateLimitedViolations, n-keep)
	}
}

func (rc *Handler) add(ctx context.Context, b Batch) {
	// WithoutCancel: a browser that closes the connection right after
	// sending must not cancel the sink mid-write; the timeout still bounds it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rc.SinkTimeout)
	defer cancel()
	rc.Sink.Add(ctx, b)
}

func (rc *Handler) countDrop(reason DropReason, n int) {
	if rc.drops != nil {
		rc.drops.Dropped(reason, n)
	}
}

// refuse answers 429 past a limit and counts the refusal.
func (rc *Handler) refuse(w http.ResponseWriter, r *http.Request, reason DropReason, msg string) {
	rc.countDrop(reason, 1)
	rc.logRejected(r, http.StatusTooManyRequests, nil)
	w.Header().Set("Connection", "close")
	limit.TooMany(w, msg)
}

// reject answers with a short plain-text message and counts the refusal.
func (rc *Handler) reject(w http.ResponseWriter, r *http.Request, reason DropReason, code int, msg string, err error) {
	rc.countDrop(reason, 1)
	rc.logRejected(r, code, err)
	w.Header().Set("Connection", "close")
	http.Error(w, msg, code)
}

// logRejected logs at debug level only and carries no body: whoever can
// POST can trigger it.
func (rc *Handler) logRejected(r *http.Request, code int, err error) {
	if !rc.Logger.Enabled(r.Context(), slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{slog.Int("status", code)}
	if err != nil {
		attrs = append(attrs, slog.String("error", clean(err.Error(), 256)))
	}
	rc.Logger.LogAttrs(r.Context(), slog.LevelDebug, "csp report rejected", attrs...)
}
