package showcase_test

import (
	"bufio"
	"context"
	"encoding/json"
	"html"
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
	"github.com/noncekit/noncekit/internal/csp"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/reports"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/server"
)

var streamMetaRE = regexp.MustCompile(`<meta name="noncekit-report-stream" content="([^"]+)"`)

// demoView loads a live demo page and returns its stream URL and the view
// id its policy's report URL carries.
func demoView(t *testing.T, base, path string) (stream, view string) {
	t.Helper()
	resp, err := http.Get(base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var b strings.Builder
	_, err = bufio.NewReader(resp.Body).WriteTo(&b)
	require.NoError(t, err)
	m := streamMetaRE.FindStringSubmatch(b.String())
	require.NotNil(t, m, "the page names its stream")
	stream = html.UnescapeString(m[1])
	h := resp.Header.Get(csp.HeaderCSP) + resp.Header.Get(csp.HeaderCSPReportOnly)
	v := regexp.MustCompile(`report-uri /csp-report\?group=[a-z-]+&view=([A-Z2-7]{26})`).FindStringSubmatch(h)
	require.NotNil(t, v, "the policy's report URL carries a view id: %s", h)
	assert.Equal(t, "/demo/reports/stream?view="+v[1], stream, "the stream is the view's own")
	return stream, v[1]
}

// TestLiveDemoStreamsOnlyItsOwnView: an anonymous visitor of the live demo
// is streamed the reports its own page view caused, and no one else's:
// not another view's of the same page, not a real page's.
func TestLiveDemoStreamsOnlyItsOwnView(t *testing.T) {
	db, _, err := database.Open(context.Background(), config.Config{DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	s, err := server.New(slog.New(slog.DiscardHandler), config.Config{Showcase: true},
		server.Options{Reports: store.New(db, store.Options{}), Queue: reports.QueueOptions{FlushInterval: time.Millisecond}})
	require.NoError(t, err)
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); _ = s.Close(context.Background()) })

	mine, myView := demoView(t, ts.URL, "/demo")
	_, theirView := demoView(t, ts.URL, "/demo")
	_, twinView := demoView(t, ts.URL, "/demo/report-only")
	assert.NotEqual(t, myView, theirView, "every view has its own id")

	report := func(query string, line int) {
		t.Helper()
		body := `{"csp-report":{"document-uri":"http://localhost/demo","effective-directive":"script-src-elem","disposition":"enforce","blocked-uri":"inline","line-number":` + strconv.Itoa(line) + `}}`
		resp, err := http.Post(ts.URL+"/csp-report?"+query, "application/csp-report", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNoContent, resp.StatusCode)
	}
	// Before the stream connects: replayed to it.
	report("group=demo&view="+myView, 1)
	report("group=demo&view="+theirView, 2)

	resp, err := http.Get(ts.URL + mine)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "anyone with the id may read it: no sign-in")
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	lines := bufio.NewScanner(resp.Body)
	next := func() int {
		t.Helper()
		for lines.Scan() {
			if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
				var r struct{ Line int }
				require.NoError(t, json.Unmarshal([]byte(data), &r))
				return r.Line
			}
		}
		t.Fatalf("stream ended: %v", lines.Err())
		return 0
	}
	assert.Equal(t, 1, next(), "my report, replayed")

	// After: live. Others' reports are posted first, so a leak would
	// arrive before mine.
	report("group=demo&view="+theirView, 22)
	report("group=demo-report-only&view="+twinView, 222)
	report("group=demo", 2222)
	report("group=site", 22222)
	report("group=demo&view="+myView, 111)
	assert.Equal(t, 111, next(), "my next report, and nothing in between")

	// The operators' stream is not for anonymous visitors; a view stream
	// needs a well-formed id.
	for path, want := range map[string]int{
		"/api/reports/stream?group=demo":  http.StatusUnauthorized,
		"/demo/reports/stream":            http.StatusBadRequest,
		"/demo/reports/stream?view=a%20b": http.StatusBadRequest,
	} {
		r, err := http.Get(ts.URL + path)
		require.NoError(t, err)
		r.Body.Close()
		assert.Equal(t, want, r.StatusCode, path)
	}
}
