package server

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/reports/store"
)

// newClockServer is the real server on a SQLite store whose clock the test
// moves: *now is what the server reads as the current time.
func newClockServer(t *testing.T, now *time.Time) (*Server, *store.SQL) {
	t.Helper()
	db := openTestDB(t, t.TempDir())
	st := store.New(db, store.Options{})
	s, err := New(slog.New(slog.DiscardHandler), config.Config{Addr: "localhost:0"},
		Options{Reports: st, DB: db, Accounts: testAccounts(t, db), Now: func() time.Time { return *now }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s, st
}

func violation(group, directive, blocked, sample string, at time.Time) report.Violation {
	return report.Violation{Group: group, EffectiveDirective: directive, BlockedURL: blocked, Sample: sample,
		DocumentURL: "https://app.example/page", Disposition: report.DispositionEnforce, ReceivedAt: at}
}

// TestReportsPageSuggestsChanges: the dashboard's "Suggested changes"
// panel shows, per group, the header and the Go expression from the
// group's stored reports, and the refused ones with the rewrite; the
// group filter narrows it, the directive filter does not.
func TestReportsPageSuggestsChanges(t *testing.T) {
	now := time.Now()
	s, st := newClockServer(t, &now)
	ctx := context.Background()
	require.NoError(t, st.Record(ctx, []report.Violation{
		violation("site", "img-src", "https://images.example.com/logo.png", "", now),
		violation("site", "script-src-attr", "inline", "go()", now),
		violation("stream", "connect-src", "https://api.example.com/x", "", now),
	}, 0))
	op := signInCookie(t, s, operatorEmail, operatorPassword)

	body := getAs(t, s, "/reports?directive=img-src", op).Body.String()
	assert.Contains(t, body, `<h2 id="suggestions">Suggested changes</h2>`)
	header := csp.HeaderCSP + ": " + DefaultPolicies().Site.Add(csp.ImgSrc, "https://images.example.com").String()
	assert.Contains(t, body, html.EscapeString(header), "the resulting header")
	assert.Contains(t, body, html.EscapeString(`site.Add(csp.ImgSrc, "https://images.example.com")`), "the Go expression")
	assert.Contains(t, body, "img-src gets https://images.example.com")
	assert.Contains(t, body, "addEventListener", "the refused handler, whatever the directive filter")
	assert.Contains(t, body, html.EscapeString(`api.Add(csp.ConnectSrc, "https://api.example.com")`), "the stream group, from api")

	body = getAs(t, s, "/reports?group=stream", op).Body.String()
	assert.Contains(t, body, `data-suggestion-group="stream"`)
	assert.NotContains(t, body, `data-suggestion-group="site"`, "the group filter narrows the panel")

	body = getAs(t, s, "/reports?group=demo", op).Body.String()
	assert.Contains(t, body, `id="suggestions-empty"`)
}

// rowRE finds a dashboard row.
var rowRE = regexp.MustCompile(`(?s)<tr>.*?</tr>`)

// TestReportsPageMarksNewReports: a kind of report first seen since the
// server started, or within the last 24 hours, is marked new; one first
// seen before both is not.
func TestReportsPageMarksNewReports(t *testing.T) {
	start := time.Now().Truncate(time.Second)
	now := start
	s, st := newClockServer(t, &now)
	require.NoError(t, st.Record(context.Background(), []report.Violation{
		violation("site", "img-src", "https://before-start.example/x.png", "", start.Add(-49*time.Hour)),
		violation("site", "img-src", "https://last-day.example/x.png", "", start.Add(-time.Hour)),
		violation("site", "img-src", "https://since-start.example/x.png", "", start.Add(time.Hour)),
	}, 0))
	op := signInCookie(t, s, operatorEmail, operatorPassword)
	marked := func() map[string]bool {
		got := map[string]bool{}
		for _, row := range rowRE.FindAllString(getAs(t, s, "/reports", op).Body.String(), -1) {
			row = strings.ReplaceAll(row, "<wbr>", "") // the page's line-break hints inside URLs
			for _, host := range []string{"before-start", "last-day", "since-start"} {
				if strings.Contains(row, host+".example") {
					got[host] = strings.Contains(row, "badge-new")
				}
			}
		}
		return got
	}
	assert.Equal(t, map[string]bool{"before-start": false, "last-day": true, "since-start": true}, marked())

	// Two days on, without a restart: only what came since the start.
	now = start.Add(48 * time.Hour)
	assert.Equal(t, map[string]bool{"before-start": false, "last-day": false, "since-start": true}, marked())
	assert.Equal(t, http.StatusOK, getAs(t, s, "/reports", op).Code)
}
