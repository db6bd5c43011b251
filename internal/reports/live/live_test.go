package live

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/testsupport/dbtest"
	"github.com/noncekit/noncekit/internal/testsupport/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// hub records what it is given, one batch per channel send.
type hub chan []report.Violation

func (h hub) Publish(vs []report.Violation) { h <- vs }

// next waits for the hub's next violations, up to n of them in all.
func (h hub) next(t *testing.T, n int) []report.Violation {
	t.Helper()
	var got []report.Violation
	deadline := time.After(10 * time.Second)
	for len(got) < n {
		select {
		case vs := <-h:
			got = append(got, vs...)
		case <-deadline:
			t.Fatalf("received %d of %d violations within 10s", len(got), n)
		}
	}
	return got
}

// instance is one kit instance's broadcast on its own handle to db.
func instance(t *testing.T, cfg config.Config) (*Broadcast, hub, *sql.DB) {
	t.Helper()
	db := dbtest.Open(t, cfg)
	h := make(hub, 1000)
	b, err := Start(context.Background(), db, Options{Hub: h})
	require.NoError(t, err)
	t.Cleanup(b.Close)
	return b, h, db
}

func postgres(t *testing.T) config.Config {
	t.Helper()
	return config.Config{DatabaseURL: pgtest.URL(t)}
}

func violation(i int) report.Violation {
	return report.Violation{Group: "site", EffectiveDirective: "script-src-elem", BlockedURL: fmt.Sprintf("https://evil.example/%d.js", i),
		DocumentURL: "https://x/page", Disposition: "enforce", Sample: "<b>&amp;</b>", Line: i,
		ReceivedAt: time.UnixMicro(1_700_000_000_000_000 + int64(i)).UTC(),
		// Not carried: the store has them, the stream shows none.
		SourceFile: "https://x/app.js", Column: 3, UserAgent: "ua", Client: "c1"}
}

// carried is v as a listener gets it: the fields a stream shows.
func carried(v report.Violation) report.Violation {
	v.SourceFile, v.Column, v.UserAgent, v.Client = "", 0, "", ""
	return v
}

// TestEveryInstanceGetsEveryBatchOnce: a batch published by one instance
// (larger than one notification, with identical violations in it) reaches
// both instances' hubs, the sender's included, once: each violation as
// many times as it was sent, in the order each was first sent.
func TestEveryInstanceGetsEveryBatchOnce(t *testing.T) {
	cfg := postgres(t)
	a, ha, _ := instance(t, cfg)
	_, hb, _ := instance(t, cfg)

	var sent []report.Violation
	for i := range 300 {
		sent = append(sent, violation(i%150)) // each kind twice, identical
	}
	a.Publish(sent)
	a.Publish(sent[:1])
	want := make([]report.Violation, 0, len(sent)+1)
	for i := range 150 {
		want = append(want, carried(sent[i]), carried(sent[i]))
	}
	want = append(want, carried(sent[0]))
	for name, h := range map[string]hub{"sender": ha, "other": hb} {
		got := h.next(t, len(want))
		assert.Equal(t, want, got, "instance %s", name)
		select {
		case extra := <-h:
			t.Errorf("instance %s: %d violations more than were sent", name, len(extra))
		default:
		}
	}
}

// TestPayloadsFitANotification: however large the batch and its fields
// (at the receiver's caps, JSON-escaped), every payload is under
// PostgreSQL's 8000 bytes and decodes to what was sent.
func TestPayloadsFitANotification(t *testing.T) {
	b := &Broadcast{sender: "abcdefabcdef"}
	big := report.Violation{
		Group: strings.Repeat("g", report.MaxGroupLen), EffectiveDirective: strings.Repeat("d", report.MaxDirectiveLen),
		BlockedURL: strings.Repeat(`\`, report.MaxURLLen), DocumentURL: strings.Repeat(`"`, report.MaxURLLen),
		Disposition: "enforce", Sample: strings.Repeat("\u2028", report.MaxSampleLen/3), Line: 1 << 30,
		ReceivedAt: time.UnixMicro(1_700_000_000_000_000).UTC(),
	}
	vs := make([]report.Violation, 100)
	for i := range vs {
		vs[i] = big
		vs[i].Line = i
	}
	payloads := b.encode(vs)
	var got []report.Violation
	for _, p := range payloads {
		assert.Less(t, len(p), 8000)
		var m message
		require.NoError(t, json.Unmarshal([]byte(p), &m))
		assert.Equal(t, "abcdefabcdef", m.Sender)
		for _, w := range m.Violations {
			got = append(got, w.violation())
		}
	}
	assert.Equal(t, vs, got)
	assert.Greater(t, len(payloads), 1, "split over several notifications")
	assert.NotContains(t, b.encode([]report.Violation{violation(1)})[0], `\u003c`, "no HTML escaping")
}

// TestListenerReconnects: when the listening connection is cut (the
// database restarted, a proxy dropped it), the listener takes a new one,
// and batches published after that arrive.
func TestListenerReconnects(t *testing.T) {
	cfg := postgres(t)
	a, _, _ := instance(t, cfg)
	_, hb, db := instance(t, cfg)

	a.Publish([]report.Violation{violation(1)})
	hb.next(t, 1)

	listeners := func() []int {
		rows, err := db.Query("SELECT pid FROM pg_stat_activity WHERE query = $1 AND datname = current_database() ORDER BY pid", "LISTEN "+Channel)
		require.NoError(t, err)
		defer rows.Close()
		var pids []int
		for rows.Next() {
			var pid int
			require.NoError(t, rows.Scan(&pid))
			pids = append(pids, pid)
		}
		require.NoError(t, rows.Err())
		return pids
	}
	before := listeners()
	require.Len(t, before, 2)
	var ok bool
	require.NoError(t, db.QueryRow("SELECT pg_terminate_backend($1)", before[1]).Scan(&ok))
	require.True(t, ok)

	// Wait for two listeners again, the cut one replaced.
	require.Eventually(t, func() bool {
		now := listeners()
		return len(now) == 2 && !assert.ObjectsAreEqual(before, now)
	}, 15*time.Second, 20*time.Millisecond, "no new listener replaced the cut one")
	a.Publish([]report.Violation{violation(2)})
	a.Publish([]report.Violation{violation(3)})
	// Instance b's hub gets both, whichever listener was cut.
	got := hb.next(t, 2)
	assert.Equal(t, []report.Violation{carried(violation(2)), carried(violation(3))}, got)
}

// TestAFloodOfOneReportIsOneSmallNotification: 512 copies of one report
// (a batch of a flood), received over 100 ms, travel as one item with a
// count and come back as 512 violations with the first one's time.
func TestAFloodOfOneReportIsOneSmallNotification(t *testing.T) {
	b := &Broadcast{sender: "abcdefabcdef"}
	vs := make([]report.Violation, 512)
	for i := range vs {
		vs[i] = violation(7)
		vs[i].ReceivedAt = vs[i].ReceivedAt.Add(time.Duration(i) * 200 * time.Microsecond)
	}
	payloads := b.encode(vs)
	require.Len(t, payloads, 1)
	assert.Less(t, len(payloads[0]), 400)

	h := make(hub, 1)
	b.hub = h
	b.deliver(payloads[0])
	got := <-h
	require.Len(t, got, 512)
	for _, v := range got {
		assert.Equal(t, carried(vs[0]), v)
	}
}

// TestForgedCountsAreRefused: a notification whose counts add up to more
// than any batch (someone else NOTIFYing on the channel) is dropped, not
// expanded.
func TestForgedCountsAreRefused(t *testing.T) {
	h := make(hub, 1)
	b := &Broadcast{hub: h, log: slog.New(slog.DiscardHandler)}
	b.deliver(`{"f":"x","n":1,"v":[{"g":"site","c":1000000000}]}`)
	b.deliver(`not json`)
	assert.Empty(t, h)
	assert.EqualValues(t, 2, b.dropped.Load())
}

func TestStartFailsWithoutTheDatabase(t *testing.T) {
	db := dbtest.Open(t, postgres(t))
	require.NoError(t, db.Close())
	_, err := Start(context.Background(), db, Options{Hub: make(hub, 1)})
	assert.ErrorContains(t, err, "listening on "+Channel)
}
