package server

import (
	"context"
	"html"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/testsupport/syncbuf"
)

var (
	olderLinkRE  = regexp.MustCompile(`<a href="([^"]*)" rel="next">Older kinds</a>`)
	newestLinkRE = regexp.MustCompile(`<a href="([^"]*)">Newest kinds</a>`)
	// kindRE finds a dashboard row's blocked URL and page path.
	kindRE = regexp.MustCompile(`data-label="Blocked"><code data-path>(.*?)</code></td><td class="path" data-label="Page"><span data-path>(.*?)</span>`)
)

// kindsOn are the kinds listed on a dashboard page, as "blocked page".
func kindsOn(body string) []string {
	var out []string
	for _, m := range kindRE.FindAllStringSubmatch(strings.ReplaceAll(body, "<wbr>", ""), -1) {
		out = append(out, html.UnescapeString(m[1])+" "+html.UnescapeString(m[2]))
	}
	return out
}

// TestReportsPageShowsABoundedPage: with 1,200 kinds stored, the dashboard
// shows ?limit= rows at a time (100 by default), and its "Older kinds"
// links walk every kind once; the suggestions come from the 500 most
// reported kinds, which puts a kind reported repeatedly, long ago, before
// the flood of one-off kinds that came after it, and say so.
func TestReportsPageShowsABoundedPage(t *testing.T) {
	t0 := time.Now().Add(-2 * time.Hour)
	var vs []report.Violation
	for range 3 {
		vs = append(vs, report.Violation{Group: "site", EffectiveDirective: "img-src", BlockedURL: "https://cdn.real.example/logo.png",
			DocumentURL: "https://app.example/", Disposition: report.DispositionEnforce, ReceivedAt: t0})
	}
	const kinds = 1_200
	vs = append(vs, hostileKinds(kinds-1, t0.Add(time.Minute))...)
	s, op := dashboardServer(t, vs, nil, nil)

	first := getAs(t, s, "/reports", op)
	require.Equal(t, http.StatusOK, first.Code)
	body := first.Body.String()
	assert.Len(t, kindsOn(body), store.DefaultLimit, "the default page")
	assert.NotRegexp(t, newestLinkRE, body, "on the first page already")
	assert.Contains(t, body, `id="suggestions-bounded"`)
	assert.Contains(t, body, "Computed from the 500 most reported kinds")
	assert.Contains(t, body, "img-src gets https://cdn.real.example", "the kind seen 3 times, before every one-off kind")
	panel := body[strings.Index(body, `id="suggestions"`):strings.Index(body, "</main>")] // after the table
	assert.LessOrEqual(t, strings.Count(panel, "<li>"), 500, "the panel lists at most the kinds it was computed from")

	seen := map[string]bool{}
	path, pages := "/reports?limit=500", 0
	for path != "" {
		require.Less(t, pages, 3, "three pages of 500 hold 1,200 kinds")
		rec := getAs(t, s, path, op)
		require.Equal(t, http.StatusOK, rec.Code, path)
		body := rec.Body.String()
		pages++
		kinds := kindsOn(body)
		assert.LessOrEqual(t, len(kinds), 500, path)
		for _, k := range kinds {
			assert.False(t, seen[k], "listed twice: %s", k)
			seen[k] = true
		}
		if pages > 1 {
			require.Regexp(t, newestLinkRE, body)
			assert.Equal(t, "/reports?limit=500", html.UnescapeString(newestLinkRE.FindStringSubmatch(body)[1]))
		}
		path = ""
		if m := olderLinkRE.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
			assert.Contains(t, path, "limit=500", "the page size carries over")
		}
	}
	assert.Equal(t, 3, pages)
	assert.Equal(t, kinds, len(seen), "every kind once")
}

// stallingStore holds the dashboard's noise count, the last read of its
// table, until the request's context ends, then answers as if nothing had
// happened (a store that does not notice); it counts the suggestions'
// reads (List by count).
type stallingStore struct {
	store.Store
	stalled     chan struct{}
	once        sync.Once
	suggestions atomic.Int32
}

func (s *stallingStore) NoiseCount(ctx context.Context) (int64, error) {
	s.once.Do(func() { close(s.stalled) })
	<-ctx.Done()
	return s.Store.NoiseCount(context.Background())
}

func (s *stallingStore) List(ctx context.Context, f store.Filter) ([]report.Aggregate, error) {
	if f.Order == store.ByCount {
		s.suggestions.Add(1)
	}
	return s.Store.List(context.Background(), f)
}

// TestReportsPageStopsWhenTheClientLeaves reproduces issue 21's attack on
// loopback: 10,000 kinds stored, a GET /reports whose client hangs up
// while the page is being read from the store. The server notices (the
// request's context ends), computes no suggestions and renders nothing:
// before, such a request went on for 21 CPU-seconds.
func TestReportsPageStopsWhenTheClientLeaves(t *testing.T) {
	st := &stallingStore{stalled: make(chan struct{})}
	var logs syncbuf.Buffer
	s, op := dashboardServer(t, hostileKinds(10_000, time.Now().Add(-time.Hour)),
		func(real store.Store) store.Store { st.Store = real; return st }, logs.JSONLogger(slog.LevelInfo))
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })

	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	_, err = conn.Write([]byte("GET /reports HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + op.Name + "=" + op.Value + "\r\n\r\n"))
	require.NoError(t, err)
	select {
	case <-st.stalled:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached the store")
	}
	require.NoError(t, conn.Close())

	// The access log's line is written once the handler has returned.
	var line map[string]any
	require.Eventually(t, func() bool {
		for _, l := range logs.TakeJSON(t) {
			if l["msg"] == "request" && l["path"] == "/reports" {
				line = l
				return true
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond)
	assert.EqualValues(t, 0, line["bytes"], "nothing rendered: %v", line)
	assert.Zero(t, st.suggestions.Load(), "no suggestions computed")
}
