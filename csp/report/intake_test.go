package report

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// batchBody is a Reporting API batch of n distinct violations; seq makes
// each batch distinct from the others.
func batchBody(seq, n int) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"type":"csp-violation","age":1,"url":"https://example.com/p/%[1]d/%[2]d?auth_token=s3cr3t",`+
			`"user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",`+
			`"body":{"documentURL":"https://example.com/p/%[1]d/%[2]d?auth_token=s3cr3t","blockedURL":"https://evil-%[1]d.example/%[2]d.js",`+
			`"effectiveDirective":"script-src-elem","disposition":"enforce","sample":"","sourceFile":"https://example.com/app.js",`+
			`"lineNumber":12,"columnNumber":3,"statusCode":200}}`, seq, i)
	}
	b.WriteString("]")
	return b.String()
}

func post(h http.Handler, remote, ct, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/csp-report?group=app", strings.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestRateLimitChargesPerViolation: a batch costs a token per violation;
// a batch larger than the tokens left keeps as many violations as there
// are tokens (204); a client with no token left is refused before its
// body is read (429).
func TestRateLimitChargesPerViolation(t *testing.T) {
	clock := newFakeClock()
	sink := &recordSink{}
	tally := &dropTally{}

	tests := []struct {
		name     string
		advance  time.Duration
		n        int // violations sent
		wantCode int
		wantKept int
	}{
		{"a batch within the burst", 0, 60, 204, 60},
		{"a batch past the tokens left is cut to them", 0, 60, 204, 40},
		{"no token left: refused before reading", 0, 1, 429, 0},
		{"half a second refills five", 500 * time.Millisecond, 100, 204, 5},
		{"an empty batch still costs a token", time.Second, 0, 204, 0},
		{"a batch larger than the burst", time.Hour, MaxEntries + 50, 204, 100},
	}
	h := newTestHandler(struct {
		*recordSink
		*dropTally
	}{sink, tally}, func(h *Handler) {
		h.Rate, h.Burst = 10, 100 // 100 at once, then 10 per second
		h.MaxBodyBytes = 1 << 20
		h.Now = clock.Now
	})
	for _, tt := range tests {
		clock.Advance(tt.advance)
		before := len(sink.all())
		rec := post(h, "192.0.2.1:1000", TypeReportsJSON, batchBody(0, tt.n))
		require.Equal(t, tt.wantCode, rec.Code, tt.name)
		if tt.wantCode != 204 {
			assert.Equal(t, "1", rec.Header().Get("Retry-After"), tt.name)
			assert.Len(t, sink.all(), before, tt.name)
			continue
		}
		b := sink.all()[before]
		assert.Len(t, b.Violations, tt.wantKept, tt.name)
	}
	assert.Equal(t, 20+95, tally.n[DropRateLimitedViolations], "the violations cut are counted")
	assert.Equal(t, 1, tally.n[DropRateLimited], "the request refused is counted")
	assert.Equal(t, 50, sink.all()[len(sink.all())-1].Dropped, "entries past MaxEntries are never charged")

	rec := post(h, "198.51.100.7:1000", TypeReportsJSON, batchBody(0, 100))
	assert.Equal(t, 204, rec.Code, "another client has its own bucket")
}

// TestLogFloodIsBounded reproduces the log amplification: one client
// sends distinct 100-violation batches as fast as it can for a simulated
// 10 s (one batch per simulated millisecond: the measurement
// found one client could write about 1 MB/s with a line per violation).
// With the rate limit charging per violation and the log folding kinds,
// the log grows by at most 100 KB.
func TestLogFloodIsBounded(t *testing.T) {
	flood := func(t *testing.T, clients int, clock *fakeClock, sink *LogSink) (requests, accepted int) {
		t.Helper()
		h := newTestHandler(sink, func(h *Handler) { h.Now = clock.Now }) // the default rate limit
		bodies := make([]string, 50)                                      // distinct batches, built once
		for i := range bodies {
			bodies[i] = batchBody(i, 100)
		}
		for ms := 0; ms < 10_000; ms++ {
			for c := range clients {
				rec := post(h, fmt.Sprintf("192.0.2.%d:1000", c+1), TypeReportsJSON, bodies[(ms+c)%len(bodies)])
				requests++
				if rec.Code == http.StatusNoContent {
					accepted++
				}
			}
			clock.Advance(time.Millisecond)
		}
		require.NoError(t, sink.Close(context.Background()))
		return requests, accepted
	}

	t.Run("one client within the default rate limit", func(t *testing.T) {
		var log bytes.Buffer
		clock := newFakeClock()
		sink := &LogSink{Logger: slog.New(slog.NewTextHandler(&log, nil)), Now: clock.Now}
		requests, accepted := flood(t, 1, clock, sink)
		t.Logf("%d requests (%d accepted, 204) of 100 distinct violations over a simulated 10 s: %d log bytes, %d lines",
			requests, accepted, log.Len(), bytes.Count(log.Bytes(), []byte("\n")))
		assert.LessOrEqual(t, log.Len(), 100_000)
		assert.Contains(t, log.String(), "rate_limited_requests=")
		assert.NotContains(t, log.String(), "s3cr3t")
	})

	t.Run("many clients, no rate limit: the log's own cap", func(t *testing.T) {
		var log bytes.Buffer
		clock := newFakeClock()
		sink := &LogSink{Logger: slog.New(slog.NewTextHandler(&log, nil)), Now: clock.Now}
		h := newTestHandler(sink, func(h *Handler) {
			h.Now = clock.Now
			h.Rate, h.Burst = 1e9, 1e9 // no rate limit to speak of
		})
		requests := 0
		for ms := 0; ms < 10_000; ms += 20 { // 500 batches from 250 addresses
			post(h, fmt.Sprintf("192.0.2.%d:1000", ms/20%250), TypeReportsJSON, batchBody(ms, 100))
			requests++
			clock.Advance(20 * time.Millisecond)
		}
		require.NoError(t, sink.Close(context.Background()))
		t.Logf("%d unlimited requests of 100 distinct violations over a simulated 10 s: %d log bytes, %d lines",
			requests, log.Len(), bytes.Count(log.Bytes(), []byte("\n")))
		assert.LessOrEqual(t, log.Len(), 100_000)
		assert.Contains(t, log.String(), "not_itemised=")
	})

	t.Run("every field at its cap", func(t *testing.T) {
		// The worst a forger can do to one line: the bound holds with every
		// string field as long as normalisation lets it be.
		var log bytes.Buffer
		clock := newFakeClock()
		sink := &LogSink{Logger: slog.New(slog.NewTextHandler(&log, nil)), Now: clock.Now}
		// \x01 is escaped as \x01 by normalisation, and the text handler
		// then quotes the value and doubles the backslash: 5 bytes a byte.
		long := strings.Repeat("\x01", 10_000)
		for i := range 1000 {
			v := Violation{
				Group: strings.Repeat("g", MaxGroupLen), EffectiveDirective: strings.Repeat("d", MaxDirectiveLen),
				BlockedURL: fmt.Sprintf("https://%d.example/%s", i, long), DocumentURL: "https://example.com/" + long,
				SourceFile: "https://example.com/" + long, Sample: long, UserAgent: long, Disposition: DispositionEnforce,
			}
			v.BlockedURL, v.DocumentURL, v.SourceFile = clean(v.BlockedURL, MaxURLLen), clean(v.DocumentURL, MaxURLLen), clean(v.SourceFile, MaxURLLen)
			v.Sample, v.UserAgent = clean(v.Sample, MaxSampleLen), clean(v.UserAgent, MaxUserAgentLen)
			sink.Add(context.Background(), batchOfViolations(v, v))
			clock.Advance(10 * time.Millisecond)
		}
		require.NoError(t, sink.Close(context.Background()))
		t.Logf("1,000 batches of capped-length violations over a simulated 10 s: %d log bytes, %d lines",
			log.Len(), bytes.Count(log.Bytes(), []byte("\n")))
		assert.LessOrEqual(t, log.Len(), 100_000)
	})
}
