package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/testsupport/syncbuf"
)

// TestReportFloodKeepsTheLogBounded reproduces issue 21's log flood (one
// client posting to the report endpoint wrote an access-log line per
// refused report, 7.6 MB in 10 s) and shows the log bounded: 5,000 posts
// from one client, valid reports past its rate limit, malformed bodies,
// wrong content types and oversized bodies, add one access line per
// accepted report and one summary line counting every refusal by reason,
// far under issue 21's 200 KB for a 10 s flood. The clock stands still,
// so the rate limit never refills: the count, not the pace, bounds the
// test.
func TestReportFloodKeepsTheLogBounded(t *testing.T) {
	var logs syncbuf.Buffer
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	// Info, text: the production defaults.
	s, err := New(slog.New(slog.NewTextHandler(&logs, nil)), config.Config{Addr: "localhost:0"},
		Options{Now: func() time.Time { return now }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(context.Background()) })

	valid := `{"csp-report":{"document-uri":"https://site.example/page","violated-directive":"script-src-elem",` +
		`"effective-directive":"script-src-elem","original-policy":"script-src 'self'","disposition":"enforce","blocked-uri":"inline","status-code":200}}`
	huge := strings.Repeat("x", 70<<10)
	kinds := []struct{ ctype, body string }{
		{"application/csp-report", valid},
		{"application/csp-report", valid},
		{"application/csp-report", "{not json"},
		{"text/plain", valid},
		{"application/csp-report", huge},
	}
	const requests = 5000
	statuses := map[int]int{}
	for i := range requests {
		k := kinds[i%len(kinds)]
		req := httptest.NewRequest(http.MethodPost, "/csp-report?group=site", strings.NewReader(k.body))
		req.Header.Set("Content-Type", k.ctype)
		req.RemoteAddr = "203.0.113.9:40000"
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		statuses[rec.Code]++
	}
	require.NoError(t, s.Close(context.Background())) // writes the summary line
	out := logs.String()
	t.Logf("%d posts, answers %v: %d bytes of log", requests, statuses, len(out))

	accepted := statuses[http.StatusNoContent]
	require.Positive(t, accepted)
	require.Positive(t, statuses[http.StatusTooManyRequests], "the flood went past the rate limit")
	// Only the report POSTs' lines: a cacheable page the app added is
	// rendered once at start-up, through the router, and logged too.
	reportLines := regexp.MustCompile(`msg=request .*method=POST path=/csp-report `).FindAllString(out, -1)
	assert.Equal(t, accepted, len(reportLines), "an access line per accepted report, none per refusal")
	assert.LessOrEqual(t, len(out), 200<<10, "issue 21's bound for a 10 s one-client flood")
	// Every refusal is in the summary, under its reason.
	summary := regexp.MustCompile(`msg="csp reports summary".*`).FindString(out)
	require.NotEmpty(t, summary, out)
	for status, name := range map[int]string{
		http.StatusTooManyRequests:       "rate_limited_requests",
		http.StatusBadRequest:            "malformed_requests",
		http.StatusUnsupportedMediaType:  "wrong_type_requests",
		http.StatusRequestEntityTooLarge: "too_large_requests",
	} {
		require.Positive(t, statuses[status], "the flood had %d answers", status)
		assert.Contains(t, summary, name+"="+strconv.Itoa(statuses[status]), "%d answers counted as %s", status, name)
	}
	// Nothing but the answers above.
	assert.Equal(t, requests, accepted+statuses[429]+statuses[400]+statuses[415]+statuses[413], fmt.Sprint(statuses))
}
