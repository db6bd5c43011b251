package showcase_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/server"
)

var reportsMetaRE = regexp.MustCompile(`<meta name="noncekit-view-reports" content="([^"]+)"`)

// demoView loads a live demo page and returns the URL its page polls and
// the report URL its policy names, which must be the view's own.
func demoView(t *testing.T, base, path string) (list, reportURL string) {
	t.Helper()
	resp, err := http.Get(base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	m := reportsMetaRE.FindSubmatch(body)
	require.NotNil(t, m, "the page names its list of reports")
	list = html.UnescapeString(string(m[1]))
	h := resp.Header.Get(csp.HeaderCSP) + resp.Header.Get(csp.HeaderCSPReportOnly)
	v := regexp.MustCompile(`report-uri (/demo/reports\?view=([A-Z2-7]{26})&group=[a-z-]+)`).FindStringSubmatch(h)
	require.NotNil(t, v, "the policy reports to an address of the view's own: %s", h)
	assert.Equal(t, "/demo/reports?view="+v[2], list, "the list is the view's own")
	return list, v[1]
}

// sinkRecorder is the app's report sink in these tests.
type sinkRecorder struct {
	mu sync.Mutex
	vs []report.Violation
}

func (s *sinkRecorder) Add(_ context.Context, b report.Batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vs = append(s.vs, b.Violations...)
}

func (s *sinkRecorder) lines() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for _, v := range s.vs {
		out = append(out, v.Line)
	}
	return out
}

// TestLiveDemoListsOnlyItsOwnView: an anonymous visitor of the live demo
// gets the reports its own page view caused, and no one else's: not
// another view's of the same page, not a real page's. Every report still
// reaches the app's sink (the log, the store, the dashboard).
func TestLiveDemoListsOnlyItsOwnView(t *testing.T) {
	sink := &sinkRecorder{}
	s, err := server.New(slog.New(slog.DiscardHandler), config.Config{Showcase: true}, server.Options{Sink: sink})
	require.NoError(t, err)
	ts := httptest.NewServer(s)
	t.Cleanup(func() { ts.Close(); _ = s.Close(context.Background()) })

	mine, myReports := demoView(t, ts.URL, "/demo")
	theirs, theirReports := demoView(t, ts.URL, "/demo")
	_, twinReports := demoView(t, ts.URL, "/demo/report-only")
	assert.NotEqual(t, mine, theirs, "every view has its own id")

	post := func(url string, line int) {
		t.Helper()
		body := `{"csp-report":{"document-uri":"http://localhost/demo","effective-directive":"script-src-elem","disposition":"enforce","blocked-uri":"inline","line-number":` + strconv.Itoa(line) + `}}`
		resp, err := http.Post(ts.URL+url, "application/csp-report", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNoContent, resp.StatusCode, url)
	}
	post(theirReports, 2)
	post(twinReports, 3)
	post("/csp-report?group=site", 4)
	post(myReports, 1)

	list := func(url string) []int {
		t.Helper()
		resp, err := http.Get(ts.URL + url)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "anyone with the id may read it: no sign-in")
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		var got []struct{ Line int }
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
		var lines []int
		for _, r := range got {
			lines = append(lines, r.Line)
		}
		return lines
	}
	assert.Equal(t, []int{1}, list(mine), "my report, and nothing else")
	assert.Equal(t, []int{2}, list(theirs))
	assert.ElementsMatch(t, []int{2, 3, 4, 1}, sink.lines(), "every report reaches the app's sink")

	// A list needs a well-formed id of a view the server gave out; a
	// report for an unknown view is still received, and listed nowhere.
	unknown := "/demo/reports?view=" + strings.Repeat("A", 26)
	post(unknown+"&group=demo", 5)
	for path, want := range map[string]int{
		"/demo/reports":             http.StatusBadRequest,
		"/demo/reports?view=a%20b":  http.StatusBadRequest,
		unknown:                     http.StatusNotFound,
		"/api/reports/stream?group": http.StatusUnauthorized,
	} {
		r, err := http.Get(ts.URL + path)
		require.NoError(t, err)
		r.Body.Close()
		assert.Equal(t, want, r.StatusCode, path)
	}
	resp, err := http.Post(ts.URL+"/demo/reports?group=demo", "application/csp-report", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "a report without a view id is refused")
}
