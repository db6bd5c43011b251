// Package live carries the violations each instance stores to the live
// report streams of every instance, through PostgreSQL's LISTEN/NOTIFY:
// with several instances on one DATABASE_URL, an operator's stream on
// instance A shows the reports that browsers posted to instance B.
//
// Each instance's report queue hands its stored batches to a Broadcast
// (its reports.Publisher), which sends them as notifications on Channel;
// each instance listens on Channel on a connection of its own and
// publishes what arrives, its own batches included, to its local hub. So
// every hub sees every stored violation once, in the order the database
// delivered them. With SQLite (one instance) the queue publishes to the
// hub directly and this package is not used.
//
// What a stream may miss: notifications sent while an instance's
// listening connection is down (it reconnects, logging each failure),
// and a batch whose NOTIFY failed (logged). The dashboard's counts come
// from the store and miss nothing; the stream is a live view.
package live

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/logsummary"
	"github.com/noncekit/noncekit/internal/reports"
)

// Channel is the notification channel the instances share.
const Channel = "noncekit_reports"

// MaxPayload bounds one notification's payload, in bytes. PostgreSQL
// refuses payloads of 8000 bytes or more; a batch of violations is split
// over as many notifications as it needs, each a JSON object under this.
// One violation always fits: the receiver caps every field it carries
// (report.MaxURLLen...), to about 3 kB at worst once JSON-escaped.
const MaxPayload = 7800

const (
	// notifyTimeout bounds the one statement that sends a batch. It runs
	// on the report queue's writer, after the batch's own write.
	notifyTimeout = 2 * time.Second
	// Reconnect backoff of the listening connection.
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// Options tunes Start.
type Options struct {
	// Hub receives every instance's stored violations. Required.
	Hub reports.Publisher
	// Logger receives the listener's reconnects and failed sends.
	// Default slog.Default().
	Logger *slog.Logger
}

// Broadcast sends this instance's stored violations to every instance
// (Publish) and listens for theirs. Close stops it.
type Broadcast struct {
	db  *sql.DB
	hub reports.Publisher
	log *slog.Logger
	// notifyErrs summarises Publish's failures: a line when they start,
	// one a minute while they go on, one when they stop.
	notifyErrs *logsummary.Errors
	sender     string        // this instance's id in the payloads
	seq        atomic.Uint64 // numbers this instance's payloads
	// dropped counts payloads the listener could not read or refused
	// (never expected from the kit's own instances).
	dropped atomic.Int64

	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// Start listens on Channel on a connection of db's pool (held for as long
// as the Broadcast runs, and never returned to the pool) and returns once
// the first LISTEN is in place, so a stream opened after Start misses
// nothing stored later, or with the error that stopped it. db must be a
// PostgreSQL handle from database.Open.
func Start(ctx context.Context, db *sql.DB, o Options) (*Broadcast, error) {
	if o.Hub == nil {
		return nil, errors.New("live: Options.Hub is required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	var id [6]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails (Go 1.24+)
	lctx, cancel := context.WithCancel(context.Background())
	b := &Broadcast{db: db, hub: o.Hub, log: o.Logger, sender: hex.EncodeToString(id[:]), cancel: cancel, done: make(chan struct{}),
		notifyErrs: logsummary.New(o.Logger, "live reports: sending stored violations to the other instances")}
	ready := make(chan error, 1)
	go b.run(lctx, ready)
	select {
	case err := <-ready:
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("live reports: listening on %s: %w", Channel, err)
		}
		return b, nil
	case <-ctx.Done():
		b.Close()
		return nil, fmt.Errorf("live reports: listening on %s: %w", Channel, ctx.Err())
	}
}

// Close stops listening and releases the connection. Safe to call more
// than once.
func (b *Broadcast) Close() {
	b.once.Do(func() {
		b.cancel()
		<-b.done
	})
}

// run keeps a listening connection until ctx ends, reconnecting with
// backoff. The first attempt's outcome goes to ready.
func (b *Broadcast) run(ctx context.Context, ready chan<- error) {
	defer close(b.done)
	backoff := minBackoff
	first := true
	for {
		listening := false
		err := b.listen(ctx, func() {
			listening = true
			if first {
				first = false
				ready <- nil
			}
		})
		if ctx.Err() != nil {
			if first {
				ready <- ctx.Err()
			}
			return
		}
		if first {
			ready <- err
			return
		}
		if listening {
			backoff = minBackoff // it worked for a while: start again quickly
		}
		b.log.Warn("live reports: listening connection lost; reconnecting", slog.Duration("in", backoff), slog.Any("error", err))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// listen takes a connection out of the pool, LISTENs on it, calls
// listening, and hands every notification to the hub until the connection
// fails or ctx ends. The connection is then discarded, never returned to
// the pool with LISTEN still active.
func (b *Broadcast) listen(ctx context.Context, listening func()) error {
	conn, err := b.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var cause error
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("live: a %T connection is not PostgreSQL's (pgx)", dc)
		}
		pc := sc.Conn()
		if _, cause = pc.Exec(ctx, "LISTEN "+Channel); cause != nil {
			return driver.ErrBadConn // database/sql then closes the connection
		}
		listening()
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				cause = err
				return driver.ErrBadConn
			}
			b.deliver(n.Payload)
		}
	})
	if cause != nil {
		return cause
	}
	return err
}

// deliver decodes one payload and publishes its violations.
func (b *Broadcast) deliver(payload string) {
	var m message
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		b.dropped.Add(1)
		b.log.Warn("live reports: unreadable notification", slog.Int("bytes", len(payload)), slog.Any("error", err))
		return
	}
	n := 0
	for _, w := range m.Violations {
		n += max(w.Count, 1)
	}
	if n > maxDelivered {
		b.dropped.Add(1)
		b.log.Warn("live reports: a notification counting more violations than a batch holds", slog.Int("violations", n))
		return
	}
	vs := make([]report.Violation, 0, n)
	for _, w := range m.Violations {
		v := w.violation()
		for range max(w.Count, 1) {
			vs = append(vs, v)
		}
	}
	b.hub.Publish(vs)
}

// Publish implements reports.Publisher: it sends vs, in as few
// notifications as fit, with one statement. The queue's writer calls it
// after each stored batch; it waits for that statement at most
// notifyTimeout, and a failure is logged (summarised, package logsummary),
// not returned: the batch is stored, only the live view misses it.
func (b *Broadcast) Publish(vs []report.Violation) {
	payloads := b.encode(vs)
	if len(payloads) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), notifyTimeout)
	defer cancel()
	// pgx sends a []string as text[]; pg_notify takes the channel as a
	// parameter, NOTIFY would not.
	if _, err := b.db.ExecContext(ctx, "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", Channel, payloads); err != nil {
		b.notifyErrs.Failed(ctx, err, len(vs))
		return
	}
	b.notifyErrs.Succeeded(ctx)
}

// message is one notification's payload. Sender and Seq make every
// payload distinct: PostgreSQL delivers identical payloads sent in one
// transaction only once.
type message struct {
	Sender     string `json:"f"`
	Seq        uint64 `json:"n"`
	Violations []wire `json:"v"`
}

// maxDelivered bounds what one notification may expand to, so a forged
// count (from anyone who can NOTIFY on the database) cannot make a
// listener allocate without bound: a payload never carries more than a
// batch.
const maxDelivered = 64 * 1024

// wire is what a live stream needs of a violation (see the server's
// liveReport), under short names: the store has the rest. Count is how
// many identical violations of one batch it stands for (0 means one).
type wire struct {
	Group       string `json:"g"`
	Directive   string `json:"d"`
	BlockedURL  string `json:"b"`
	DocumentURL string `json:"u"`
	Disposition string `json:"p"`
	Sample      string `json:"s,omitempty"`
	Line        int    `json:"l,omitempty"`
	ReceivedAt  int64  `json:"t"` // unix microseconds
	Count       int    `json:"c,omitempty"`
}

func toWire(v *report.Violation) wire {
	return wire{Group: v.Group, Directive: v.EffectiveDirective, BlockedURL: v.BlockedURL, DocumentURL: v.DocumentURL,
		Disposition: v.Disposition, Sample: v.Sample, Line: v.Line, ReceivedAt: v.ReceivedAt.UnixMicro()}
}

func (w wire) violation() report.Violation {
	return report.Violation{Group: w.Group, EffectiveDirective: w.Directive, BlockedURL: w.BlockedURL, DocumentURL: w.DocumentURL,
		Disposition: w.Disposition, Sample: w.Sample, Line: w.Line, ReceivedAt: time.UnixMicro(w.ReceivedAt).UTC()}
}

// encode packs vs into payloads of at most MaxPayload bytes. Identical
// violations of the batch (a flood of one report, or a page reloaded
// many times) travel as one item with a count, so a batch's notifications
// stay few and small: the listeners expand them back, in the order each
// was first seen, with the first one's receive time. A violation too large
// for a payload of its own (the receiver's caps make that impossible) is
// logged and left out, never sent truncated.
func (b *Broadcast) encode(vs []report.Violation) []string {
	ws := make([]wire, 0, len(vs))
	seen := make(map[wire]int, len(vs))
	for i := range vs {
		w := toWire(&vs[i])
		k := w
		k.ReceivedAt = 0
		if j, ok := seen[k]; ok {
			ws[j].Count++
			continue
		}
		seen[k] = len(ws)
		w.Count = 1
		ws = append(ws, w)
	}
	for i := range ws {
		if ws[i].Count == 1 {
			ws[i].Count = 0 // omitted: one
		}
	}
	var out []string
	var items [][]byte
	size := 0
	flush := func() {
		if len(items) == 0 {
			return
		}
		p := b.envelope(items)
		out = append(out, p)
		items, size = items[:0], 0
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // no \u003c for every < in a sample: smaller payloads
	for i := range ws {
		buf.Reset()
		if err := enc.Encode(ws[i]); err != nil {
			b.log.Error("live reports: encoding a violation", slog.Any("error", err))
			continue
		}
		item := bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		if envelopeSize+len(item) > MaxPayload {
			b.log.Error("live reports: a violation too large for a notification was not sent", slog.Int("bytes", len(item)))
			continue
		}
		if envelopeSize+size+len(items)+len(item) > MaxPayload {
			flush()
		}
		items = append(items, item)
		size += len(item)
	}
	flush()
	return out
}

// envelopeSize is the most a payload's envelope (sender, a sequence
// number up to 20 digits, brackets) adds to its items and their commas.
const envelopeSize = len(`{"f":"","n":,"v":[]}`) + 12 + 20

// envelope wraps items (JSON objects) in a message.
func (b *Broadcast) envelope(items [][]byte) string {
	var sb bytes.Buffer
	sb.WriteString(`{"f":"`)
	sb.WriteString(b.sender)
	sb.WriteString(`","n":`)
	sb.WriteString(strconv.FormatUint(b.seq.Add(1), 10))
	sb.WriteString(`,"v":[`)
	for i, it := range items {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.Write(it)
	}
	sb.WriteString("]}")
	return sb.String()
}
