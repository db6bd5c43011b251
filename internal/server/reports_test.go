package server

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/reports"
	"github.com/noncekit/noncekit/internal/reports/store"
)

// openTestDB opens the kit's database in dir and closes it when the test
// ends, after every cleanup registered later (so after the server that
// uses it has closed).
func openTestDB(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, _, err := database.Open(context.Background(), config.Config{DataDir: dir})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, db.Close()) })
	return db
}

// newStoreServer is the real server with a SQLite store in a temporary
// DATA_DIR, which holds the test accounts and the sessions too. flush
// writes everything queued so far.
func newStoreServer(t *testing.T, cfg config.Config) (s *Server, st *store.SQL, flush func()) {
	t.Helper()
	ctx := context.Background()
	db := openTestDB(t, t.TempDir())
	st = store.New(db, store.Options{})
	var err error
	if cfg.Addr == "" {
		cfg.Addr = "localhost:0"
	}
	s, err = New(slog.New(slog.DiscardHandler), cfg, Options{Reports: st, DB: db, Accounts: testAccounts(t, db),
		Queue: reports.QueueOptions{FlushInterval: time.Millisecond}})
	require.NoError(t, err)
	closed := false
	flush = func() {
		if !closed {
			require.NoError(t, s.Close(ctx))
			closed = true
		}
	}
	t.Cleanup(flush)
	return s, st, flush
}

const (
	reportURIBody = `{"csp-report":{"document-uri":"http://localhost/demo","violated-directive":"script-src-elem","effective-directive":"script-src-elem","original-policy":"x","disposition":"enforce","blocked-uri":"inline","line-number":2,"column-number":9,"source-file":"http://localhost/demo","status-code":200,"script-sample":""}}`
	reportToEntry = `{"type":"csp-violation","age":1,"url":"https://localhost/demo","user_agent":"ua","body":{"documentURL":"https://localhost/demo","blockedURL":"%s","effectiveDirective":"script-src-elem","disposition":"report","sample":""}}`
)

func postReport(h http.Handler, ctype, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/csp-report?group=demo", strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	h.ServeHTTP(rec, req)
	return rec
}

// TestBadReportsNever5xxAndValidOnesAreKept sends hostile input through
// the real router: every answer is 204 or 4xx, and the valid entries of a
// mixed batch reach the store.
func TestBadReportsNever5xxAndValidOnesAreKept(t *testing.T) {
	t.Parallel()
	s, st, flush := newStoreServer(t, config.Config{ReportRate: 1e6, ReportBurst: 1e6})
	entries := make([]string, 5000)
	for i := range entries {
		entries[i] = fmt.Sprintf(reportToEntry, fmt.Sprintf("https://cdn.example/%d.js", i))
	}
	mixed := "[" + fmt.Sprintf(reportToEntry, "https://evil.example/a.js") +
		`,{"type":"csp-violation","body":"not an object"},{"type":"deprecation","body":{}},42,null,"x",` +
		`{"type":"csp-violation","body":{"blockedURL":["wrong"],"effectiveDirective":7,"disposition":{}}},` +
		fmt.Sprintf(reportToEntry, "https://evil.example/b.js") + "]"
	tests := []struct {
		name, ctype, body string
	}{
		{"empty", "application/csp-report", ""},
		{"not json", "application/csp-report", "hello"},
		{"array as csp-report", "application/csp-report", "[]"},
		{"string csp-report", "application/csp-report", `{"csp-report":"x"}`},
		{"wrong types", "application/csp-report", `{"csp-report":{"document-uri":1,"line-number":"x","blocked-uri":[],"disposition":true}}`},
		{"deep nesting", "application/json", strings.Repeat("[", 10000) + strings.Repeat("]", 10000)},
		{"10 MB body", "application/csp-report", `{"csp-report":{"x":"` + strings.Repeat("a", 10<<20) + `"}}`},
		{"5000-entry batch", "application/reports+json", "[" + strings.Join(entries, ",") + "]"},
		{"5000 tiny entries", "application/reports+json", "[" + strings.Repeat("{},", 4999) + "{}]"},
		{"control characters and NUL", "application/csp-report", `{"csp-report":{"document-uri":"http://x/\u0000\u001b[31m","blocked-uri":"a\u0007b","effective-directive":"script-src-elem"}}`},
		{"invalid UTF-8", "application/csp-report", "{\"csp-report\":{\"document-uri\":\"\xff\xfe\",\"blocked-uri\":\"\xc3\x28\"}}"},
		{"no content type", "", reportURIBody},
		{"text/plain", "text/plain", reportURIBody},
		{"form", "application/x-www-form-urlencoded", "a=b"},
		{"multipart", "multipart/form-data; boundary=x", reportURIBody},
		{"unknown report types", "application/reports+json", `[{"type":"intervention","body":{}},{"type":"crash"}]`},
		{"mixed batch", "application/reports+json", mixed},
		{"trailing garbage", "application/csp-report", reportURIBody + "}}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := postReport(s, tt.ctype, tt.body)
			assert.Less(t, rec.Code, 500, rec.Body.String())
			assert.True(t, rec.Code == http.StatusNoContent || rec.Code >= 400, "got %d", rec.Code)
		})
	}
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(m, "/csp-report", nil))
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Code, m)
	}

	flush()
	blocked := map[string]bool{}
	list, err := st.List(context.Background(), store.Filter{Limit: 1000})
	require.NoError(t, err)
	for _, a := range list {
		blocked[a.BlockedURL] = true
		assert.NotContains(t, a.DocumentPath+a.BlockedURL, "\x00", "control characters are escaped")
		assert.NotContains(t, a.DocumentPath+a.BlockedURL, "\x1b")
	}
	assert.True(t, blocked["https://evil.example/a.js"], "valid entries of the mixed batch are stored")
	assert.True(t, blocked["https://evil.example/b.js"])
}

func TestReportRateLimitAnswers429(t *testing.T) {
	s, _, _ := newStoreServer(t, config.Config{ReportRate: 0.001, ReportBurst: 3})
	var codes []int
	for range 5 {
		codes = append(codes, postReport(s, "application/csp-report", reportURIBody).Code)
	}
	assert.Equal(t, []int{204, 204, 204, 429, 429}, codes)
	// Another client is not affected.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/csp-report?group=demo", strings.NewReader(reportURIBody))
	req.Header.Set("Content-Type", "application/csp-report")
	req.RemoteAddr = "198.51.100.7:5555"
	s.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusNoContent, rec.Code)
}

func TestReportsAPI(t *testing.T) {
	s, _, flush := newStoreServer(t, config.Config{})
	require.Equal(t, 204, postReport(s, "application/csp-report", reportURIBody).Code)
	require.Equal(t, 204, postReport(s, "application/reports+json", "["+fmt.Sprintf(reportToEntry, "https://x.example/a.js")+"]").Code)
	op := signInCookie(t, s, operatorEmail, operatorPassword)
	flush()

	var body reportsJSON
	rec := getAs(t, s, "/api/reports", op)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Len(t, body.Reports, 2)
	assert.Equal(t, "demo", body.Reports[0].Group)

	rec = getAs(t, s, "/api/reports?disposition=report&directive=script-src-elem&group=demo&limit=1000", op)
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Len(t, body.Reports, 1)
	assert.Equal(t, "https://x.example/a.js", body.Reports[0].BlockedURL)

	// One row a page: next names the second page, which has none after it.
	rec = getAs(t, s, "/api/reports?limit=1", op)
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Len(t, body.Reports, 1)
	require.NotEmpty(t, body.Next)
	first := body.Reports[0]
	rec = getAs(t, s, "/api/reports?limit=1&after="+body.Next, op)
	body = reportsJSON{}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	require.Len(t, body.Reports, 1)
	assert.NotEqual(t, first, body.Reports[0])
	assert.Empty(t, body.Next)

	for _, q := range []string{"limit=0", "limit=1001", "limit=x", "disposition=maybe", "directive=script-src-elem;", "directive=SCRIPT", "group=a%20b", "group=" + strings.Repeat("g", 65),
		"after=x", "after=1-0", "after=1-2-3"} {
		rec := getAs(t, s, "/api/reports?"+q, op)
		assert.Equal(t, http.StatusBadRequest, rec.Code, q)
		assert.NotEmpty(t, rec.Body.String(), q)
	}
}

func TestReportsPage(t *testing.T) {
	s, _, flush := newStoreServer(t, config.Config{})
	require.Equal(t, 204, postReport(s, "application/csp-report", strings.Replace(reportURIBody, `"inline"`, `"https://evil.example/<b>x</b>.js"`, 1)).Code)
	op := signInCookie(t, s, operatorEmail, operatorPassword)
	flush()
	rec := getAs(t, s, "/reports", op)
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	// The page marks where a long URL may wrap with <wbr>; the text between is escaped.
	assert.Contains(t, strings.ReplaceAll(body, "<wbr>", ""), "https://evil.example/&lt;b&gt;x&lt;/b&gt;.js", "escaped")
	assert.NotContains(t, body, "<b>x</b>")
	assert.Contains(t, body, `<a href="/reports" aria-current="page">Reports</a>`)
	assert.Contains(t, body, "report-only first, then enforce")
	assert.Contains(t, rec.Header().Get(csp.HeaderCSP), "report-uri /csp-report?group=site", "a page of the site group")

	rec = getAs(t, s, "/reports?group=demo&disposition=report", op)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `<option value="report" selected>`)
	assert.Contains(t, rec.Body.String(), "No reports match")

	rec = getAs(t, s, "/reports?disposition=nope", op)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, rec.Body.String(), "That filter is not valid")
}

// TestLiveStreamDeliversReportsPostedAfterSubscribing reads the stream as
// a browser would, over a real connection, synchronised on its events.
func TestLiveStreamDeliversReportsPostedAfterSubscribing(t *testing.T) {
	s, _, flush := newStoreServer(t, config.Config{})
	ts := httptest.NewServer(s)
	defer ts.Close()

	// The operator's session, read by the stream without the session
	// middleware.
	req, err := http.NewRequest(http.MethodGet, ts.URL+"/api/reports/stream?group=demo", nil)
	require.NoError(t, err)
	req.AddCookie(signInCookie(t, s, operatorEmail, operatorPassword))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	lines := bufio.NewScanner(resp.Body)
	readUntil := func(prefix string) string {
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), prefix) {
				return lines.Text()
			}
		}
		t.Fatalf("stream ended before %q: %v", prefix, lines.Err())
		return ""
	}
	readUntil(": subscribed")

	// A report for another group is not delivered; this one is.
	other, err := http.Post(ts.URL+"/csp-report?group=site", "application/csp-report", strings.NewReader(reportURIBody))
	require.NoError(t, err)
	other.Body.Close()
	r, err := http.Post(ts.URL+"/csp-report?group=demo", "application/csp-report", strings.NewReader(reportURIBody))
	require.NoError(t, err)
	r.Body.Close()
	require.Equal(t, http.StatusNoContent, r.StatusCode)

	readUntil("event: report")
	data := strings.TrimPrefix(readUntil("data: "), "data: ")
	var got report.Violation
	require.NoError(t, json.Unmarshal([]byte(data), &got))
	assert.Equal(t, "demo", got.Group)
	assert.Equal(t, "script-src-elem", got.EffectiveDirective)
	assert.Equal(t, "inline", got.BlockedURL)

	// Shutting down ends the stream instead of holding the server up.
	flush()
	for lines.Scan() {
	}
	_, err = io.ReadAll(resp.Body)
	assert.NoError(t, err)
}

func TestLiveStreamRejectsBadParameters(t *testing.T) {
	s, _, _ := newStoreServer(t, config.Config{})
	op := signInCookie(t, s, operatorEmail, operatorPassword)
	for _, q := range []string{"group=a%20b", "since=yesterday", "since=-5"} {
		assert.Equal(t, http.StatusBadRequest, getAs(t, s, "/api/reports/stream?"+q, op).Code, q)
	}
}
