package report

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordSink keeps every batch it is given.
type recordSink struct {
	mu      sync.Mutex
	batches []Batch
	ctxErr  error
}

func (s *recordSink) Add(ctx context.Context, b Batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, b)
	s.ctxErr = ctx.Err()
}

func (s *recordSink) all() []Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.batches
}

var fixedNow = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

// newTestHandler is a Handler on sink that logs nowhere and stamps
// fixedNow, with set applied.
func newTestHandler(sink Sink, set ...func(*Handler)) *Handler {
	h := NewHandler(sink)
	h.Logger = slog.New(slog.DiscardHandler)
	h.Now = func() time.Time { return fixedNow }
	for _, f := range set {
		f(h)
	}
	return h
}

// unsized hides the length of a body, as a chunked request does, so the
// limit is enforced by http.MaxBytesReader rather than the early check.
type unsized struct{ io.Reader }

func TestReceiver(t *testing.T) {
	reportURI := readTestdata(t, "chromium-report-uri.json")
	reports := readTestdata(t, "chromium-reports.json")
	entry := bytes.Trim(reports, "[]\n")
	big := "[" + strings.TrimSuffix(strings.Repeat(`{"type":"x"},`, 5000), ",") + "]"

	tests := []struct {
		name        string
		method      string
		contentType string
		body        io.Reader
		wantStatus  int
		wantBatches int
	}{
		{"report-uri", "POST", "application/csp-report", bytes.NewReader(reportURI), 204, 1},
		{"reporting api", "POST", "application/reports+json", bytes.NewReader(reports), 204, 1},
		{"report-uri as json", "POST", "application/json", bytes.NewReader(reportURI), 204, 1},
		{"reports as json with charset", "POST", "application/json; charset=UTF-8", bytes.NewReader(reports), 204, 1},
		{"5000 entries", "POST", "application/reports+json", strings.NewReader(big), 204, 1},
		{"empty array", "POST", "application/reports+json", strings.NewReader("[]"), 204, 1},

		{"GET", "GET", "application/csp-report", bytes.NewReader(reportURI), 405, 0},
		{"PUT", "PUT", "application/csp-report", bytes.NewReader(reportURI), 405, 0},
		{"OPTIONS", "OPTIONS", "", nil, 405, 0},

		{"no content type", "POST", "", bytes.NewReader(reportURI), 415, 0},
		{"text/plain", "POST", "text/plain", bytes.NewReader(reportURI), 415, 0},
		{"form", "POST", "application/x-www-form-urlencoded", bytes.NewReader(reportURI), 415, 0},

		{"empty body", "POST", "application/csp-report", strings.NewReader(""), 400, 0},
		{"not json", "POST", "application/csp-report", strings.NewReader("<html>"), 400, 0},
		{"wrong shape", "POST", "application/reports+json", bytes.NewReader(reportURI), 400, 0},
		{"deep nesting", "POST", "application/json", strings.NewReader(strings.Repeat("[", 60_000)), 400, 0},
		{"deep nesting over the cap", "POST", "application/json", strings.NewReader(strings.Repeat("[", 100_000)), 413, 0},

		{"64 KiB exactly", "POST", "application/reports+json",
			strings.NewReader(padArray(string(entry), DefaultMaxBodyBytes)), 204, 1},
		{"64 KiB + 1", "POST", "application/reports+json",
			strings.NewReader(padArray(string(entry), DefaultMaxBodyBytes+1)), 413, 0},
		{"64 KiB + 1 unsized", "POST", "application/reports+json",
			unsized{strings.NewReader(padArray(string(entry), DefaultMaxBodyBytes+1))}, 413, 0},
		{"10 MB", "POST", "application/csp-report",
			bytes.NewReader(bytes.Repeat([]byte("{"), 10<<20)), 413, 0},
		{"10 MB unsized", "POST", "application/csp-report",
			unsized{bytes.NewReader(bytes.Repeat([]byte("{"), 10<<20))}, 413, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink, tally := &recordSink{}, &dropTally{}
			req := httptest.NewRequest(tt.method, "/csp-report?group=app", tt.body)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			rec := httptest.NewRecorder()
			newTestHandler(struct {
				*recordSink
				*dropTally
			}{sink, tally}).ServeHTTP(rec, req)

			assert.Equal(t, tt.wantStatus, rec.Code, "body: %s", rec.Body)
			assert.Len(t, sink.all(), tt.wantBatches)
			// Each refusal is counted once, under the reason its status
			// names, for the summary line that replaces a line per refusal.
			want := map[DropReason]int{}
			if r, ok := map[int]DropReason{405: DropWrongMethod, 415: DropWrongType, 413: DropTooLarge, 400: DropMalformed}[tt.wantStatus]; ok {
				want[r] = 1
			}
			if tally.n == nil {
				tally.n = map[DropReason]int{}
			}
			assert.Equal(t, want, tally.n, "drops counted")
			if tt.wantStatus == 405 {
				assert.Equal(t, "POST", rec.Header().Get("Allow"))
			}
			if tt.wantStatus >= 400 {
				assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
				assert.Less(t, rec.Body.Len(), 64, "short message")
			}
		})
	}
}

// padArray returns a JSON array holding entry and enough padding to be
// exactly n bytes long.
func padArray(entry string, n int) string {
	s := "[" + entry + "," + `"` + `"` + "]"
	pad := n - len(s)
	return "[" + entry + "," + `"` + strings.Repeat("x", pad) + `"` + "]"
}

func TestReceiverBatch(t *testing.T) {
	t.Run("5000 entries keep 100", func(t *testing.T) {
		entry := `{"type":"csp-violation","body":{"blockedURL":"inline","effectiveDirective":"script-src-elem"}}`
		var body strings.Builder
		body.WriteString("[")
		for i := range 5000 {
			if i > 0 {
				body.WriteString(",")
			}
			body.WriteString(entry)
		}
		body.WriteString("]")
		require.Less(t, body.Len(), 1<<20)

		// 5,000 real entries exceed 64 KiB; raise the cap to prove the
		// entry cap on its own.
		sink := &recordSink{}
		rc := newTestHandler(sink, func(h *Handler) { h.MaxBodyBytes = 1 << 20 })
		req := httptest.NewRequest("POST", "/csp-report?group=app", strings.NewReader(body.String()))
		req.Header.Set("Content-Type", "application/reports+json")
		rec := httptest.NewRecorder()
		rc.ServeHTTP(rec, req)

		require.Equal(t, 204, rec.Code)
		require.Len(t, sink.all(), 1)
		b := sink.all()[0]
		assert.Len(t, b.Violations, MaxEntries)
		assert.Equal(t, 4900, b.Dropped)
	})

	t.Run("meta from the request", func(t *testing.T) {
		sink := &recordSink{}
		req := httptest.NewRequest("POST", "/csp-report?group=admin", bytes.NewReader(readTestdata(t, "chromium-report-uri.json")))
		req.Header.Set("Content-Type", "application/csp-report")
		req.Header.Set("User-Agent", "Mozilla/5.0 test\x7f")
		rec := httptest.NewRecorder()
		newTestHandler(sink).ServeHTTP(rec, req)

		require.Equal(t, 204, rec.Code)
		v := sink.all()[0].Violations[0]
		assert.Equal(t, "admin", v.Group)
		assert.Equal(t, `Mozilla/5.0 test\x7f`, v.UserAgent)
		assert.Equal(t, fixedNow, v.ReceivedAt)
		assert.NoError(t, sink.ctxErr, "the sink context outlives nothing yet")
	})

	t.Run("bad group", func(t *testing.T) {
		for _, q := range []string{"", "?group=", "?group=%0a", "?group=a%20b", "?group=" + strings.Repeat("a", 100)} {
			sink := &recordSink{}
			req := httptest.NewRequest("POST", "/csp-report"+q, bytes.NewReader(readTestdata(t, "chromium-report-uri.json")))
			req.Header.Set("Content-Type", "application/csp-report")
			newTestHandler(sink).ServeHTTP(httptest.NewRecorder(), req)
			assert.Equal(t, UnknownGroup, sink.all()[0].Violations[0].Group, q)
		}
	})
}

func TestNewHandlerDefaults(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := NewHandler(nil)
	h.Logger = log

	req := httptest.NewRequest("POST", "/csp-report?group=app", bytes.NewReader(readTestdata(t, "chromium-report-uri.json")))
	req.Header.Set("Content-Type", "application/csp-report")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	require.Equal(t, 204, rec.Code)
	assert.Contains(t, buf.String(), "level=WARN msg=\"csp violation\" group=app directive=script-src-elem blocked=inline")
	assert.Contains(t, buf.String(), " count=1 ")
}

func TestReceiverNeverFiveHundred(t *testing.T) {
	// A few hostile bodies under every accepted type.
	bodies := []string{
		"", "{", "}", "[", "]", "null", "0", `""`, "[null]", `{"csp-report":[]}`,
		strings.Repeat("[", 5000) + strings.Repeat("]", 5000),
		`[{"type":"csp-violation","body":{"lineNumber":"9999999999999999999999"}}]`,
		"\xff\xfe\x00",
	}
	for _, ct := range []string{"application/csp-report", "application/reports+json", "application/json"} {
		for _, body := range bodies {
			req := httptest.NewRequest("POST", "/csp-report", strings.NewReader(body))
			req.Header.Set("Content-Type", ct)
			rec := httptest.NewRecorder()
			newTestHandler(&recordSink{}).ServeHTTP(rec, req)
			assert.Less(t, rec.Code, 500, "%s %q", ct, body)
		}
	}
}
