package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/reports"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/testsupport/syncbuf"
)

// fixedReports is a reportReader with fixed aggregates, or a failing one.
type fixedReports struct {
	aggs []report.Aggregate
	err  error
}

func (f fixedReports) List(context.Context, store.Filter) ([]report.Aggregate, error) {
	return f.aggs, f.err
}
func (f fixedReports) NoiseCount(context.Context) (int64, error) { return 0, f.err }

// newThirdParties returns the sources of the "new third party" lines in log.
func newThirdParties(log string) []string {
	var out []string
	for line := range strings.Lines(log) {
		if strings.Contains(line, `msg="new third party"`) {
			_, after, _ := strings.Cut(line, "source=")
			src, _, _ := strings.Cut(after, " ")
			out = append(out, src)
		}
	}
	return out
}

func TestNewSourcesLogsEachNewOriginOnce(t *testing.T) {
	started := time.Unix(1_000_000, 0)
	known := fixedReports{aggs: []report.Aggregate{
		{BlockedURL: "https://old.example/a.js", FirstSeen: started.Add(-time.Hour)},
		// Stored since the start (this very batch, say): still new.
		{BlockedURL: "https://fresh.example/a.png", FirstSeen: started.Add(time.Second)},
	}}
	var buf bytes.Buffer
	n := newNewSources(slog.New(slog.NewTextHandler(&buf, nil)), known, started)
	v := func(blocked string) report.Violation {
		return report.Violation{Group: "site", EffectiveDirective: "img-src", BlockedURL: blocked, DocumentURL: "https://app.example/page?x=1"}
	}
	noise := v("chrome-extension://abc/x.js")
	noise.Noise = true
	n.Publish([]report.Violation{
		v("https://old.example/b.js"),        // known before the start
		v("https://fresh.example/a.png"),     // new
		v("https://FRESH.example/other.png"), // the same origin
		v("inline"), v("eval"), v("data"),    // not origins
		v("https://app.example/own.png"),    // the page's own origin
		noise,                               // an extension's
		v("wss://live.example:8443/socket"), // new
		v("http://fresh.example/a.png"),     // another scheme, another origin
	})
	n.Publish([]report.Violation{v("https://fresh.example/again.png"), v("wss://live.example:8443/")})
	assert.Equal(t, []string{"https://fresh.example", "wss://live.example:8443", "http://fresh.example"}, newThirdParties(buf.String()))
	assert.Contains(t, buf.String(), "group=site directive=img-src page=/page", "where it appeared, without the query")
}

// TestNewSourcesIsBounded: a flood of forged origins logs at most
// maxKnownSources lines, and one line saying the rest are not logged.
func TestNewSourcesIsBounded(t *testing.T) {
	var buf bytes.Buffer
	n := newNewSources(slog.New(slog.NewTextHandler(&buf, nil)), fixedReports{}, time.Unix(0, 0))
	batch := make([]report.Violation, 0, 1000)
	for i := range maxKnownSources + 500 {
		batch = append(batch, report.Violation{BlockedURL: fmt.Sprintf("https://h%d.example/x", i), DocumentURL: "https://app.example/"})
		if len(batch) == cap(batch) {
			n.Publish(batch)
			batch = batch[:0]
		}
	}
	n.Publish(batch)
	assert.Len(t, newThirdParties(buf.String()), maxKnownSources)
	assert.Equal(t, 1, strings.Count(buf.String(), "no longer logging them"))
}

// TestNewSourcesWithoutTheStore: when the store cannot be read, every
// origin is new once, and the failure is logged.
func TestNewSourcesWithoutTheStore(t *testing.T) {
	var buf bytes.Buffer
	n := newNewSources(slog.New(slog.NewTextHandler(&buf, nil)), fixedReports{err: errors.New("disk gone")}, time.Unix(0, 0))
	vs := []report.Violation{{BlockedURL: "https://a.example/x", DocumentURL: "https://app.example/"}}
	n.Publish(vs)
	n.Publish(vs)
	assert.Equal(t, []string{"https://a.example"}, newThirdParties(buf.String()))
	assert.Contains(t, buf.String(), "disk gone")
}

// TestServerLogsNewThirdParty: through the real receiver and queue, a
// report naming a new origin logs one line, and a restarted server on the
// same store does not log it again.
func TestServerLogsNewThirdParty(t *testing.T) {
	db := openTestDB(t, t.TempDir())
	st := store.New(db, store.Options{})
	body := strings.Replace(reportURIBody, `"inline"`, `"https://cdn.example/x.js"`, 1)
	// now is the server's clock: the second start is an hour after the
	// first report, whatever the machine's speed.
	serve := func(now func() time.Time) string {
		var buf syncbuf.Buffer
		s, err := New(slog.New(slog.NewTextHandler(&buf, nil)), config.Config{Addr: "localhost:0"},
			Options{Reports: st, Queue: reports.QueueOptions{FlushInterval: time.Millisecond}, Now: now})
		require.NoError(t, err)
		require.Equal(t, 204, postReport(s, "application/csp-report", body).Code)
		require.NoError(t, s.Close(context.Background())) // writes the queue and publishes
		return buf.String()
	}
	assert.Equal(t, []string{"https://cdn.example"}, newThirdParties(serve(time.Now)))
	later := time.Now().Add(time.Hour)
	assert.Empty(t, newThirdParties(serve(func() time.Time { return later })), "known since before the restart")
}
