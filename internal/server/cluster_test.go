package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/reports"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/testsupport/pgtest"
)

// roundRobin is a small load balancer: each request goes to the next
// backend in turn, through a reverse proxy, as nginx's default upstream
// does.
type roundRobin struct {
	proxies []*httputil.ReverseProxy
	next    atomic.Uint64
	hits    []atomic.Int64
}

func newRoundRobin(t *testing.T, backends ...string) (*roundRobin, *httptest.Server) {
	t.Helper()
	rr := &roundRobin{hits: make([]atomic.Int64, len(backends))}
	for _, b := range backends {
		u, err := url.Parse(b)
		require.NoError(t, err)
		rr.proxies = append(rr.proxies, httputil.NewSingleHostReverseProxy(u))
	}
	front := httptest.NewServer(rr)
	t.Cleanup(front.Close)
	return rr, front
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := (rr.next.Add(1) - 1) % uint64(len(rr.proxies))
	rr.hits[i].Add(1)
	rr.proxies[i].ServeHTTP(w, r)
}

// clusterInstance starts one kit instance on the database cfg names, as
// `DATABASE_URL=... noncekit` does: its own handle, report store, accounts
// and sessions on it.
func clusterInstance(t *testing.T, cfg config.Config) (*instance, *account.Store) {
	t.Helper()
	db, dialect, err := database.Open(context.Background(), cfg)
	require.NoError(t, err)
	require.Equal(t, database.Postgres, dialect)
	t.Cleanup(func() { assert.NoError(t, db.Close()) }) // after the instance's stop, registered next
	st := testStore(db)
	in := startInstance(t, cfg, false, Options{DB: db, Reports: store.New(db, store.Options{}), Accounts: account.NewDirectory(st),
		Queue: reports.QueueOptions{FlushInterval: time.Millisecond}})
	require.Equal(t, "postgres", in.srv.SessionBackend())
	return in, st
}

// eventStream reads a text/event-stream's "report" events.
type eventStream struct {
	events chan report.Violation
}

// openStream GETs a live report stream with cookie (nil: none) and
// returns once the server says it is subscribed. The stream is closed
// when the test ends.
func openStream(t *testing.T, u string, cookie *http.Cookie) *eventStream {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	require.Equal(t, http.StatusOK, resp.StatusCode, u)
	es := &eventStream{events: make(chan report.Violation, 1000)}
	subscribed := make(chan struct{})
	go func() {
		defer close(es.events)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			if line == ": subscribed" {
				close(subscribed)
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var r report.Violation
				if json.Unmarshal([]byte(data), &r) == nil {
					es.events <- r
				}
			}
		}
	}()
	select {
	case <-subscribed:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: not subscribed within 10s", u)
	}
	return es
}

// take returns the stream's next n events, failing after 15 s.
func (es *eventStream) take(t *testing.T, n int) []report.Violation {
	t.Helper()
	var got []report.Violation
	deadline := time.After(15 * time.Second)
	for len(got) < n {
		select {
		case r, ok := <-es.events:
			require.True(t, ok, "the stream ended after %d of %d events", len(got), n)
			got = append(got, r)
		case <-deadline:
			t.Fatalf("%d of %d events within 15s", len(got), n)
		}
	}
	return got
}

// cspReport is a report-uri body blocking blocked.
func cspReport(blocked string) string {
	return fmt.Sprintf(`{"csp-report":{"document-uri":"http://localhost/page","violated-directive":"script-src-elem","effective-directive":"script-src-elem","disposition":"enforce","blocked-uri":%q,"line-number":2}}`, blocked)
}

func postTo(t *testing.T, base, query, body string) {
	t.Helper()
	resp, err := http.Post(base+"/csp-report?"+query, "application/csp-report", strings.NewReader(body))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

// TestSeveralInstancesOnOnePostgres runs two instances of the kit on one
// DATABASE_URL behind a round-robin front, as in docs/instances.md: an
// operator created through one signs in on the other; a session made on
// one is valid on the other and through the front, whichever instance
// serves; reports posted through the front (so to both) show once, with
// exact counts, on both dashboards and both operators' streams; and a
// page view's own stream on one instance gets its reports posted to the
// other. Needs PostgreSQL (skipped without it, unless CI is set).
func TestSeveralInstancesOnOnePostgres(t *testing.T) {
	ctx := context.Background()
	cfg := config.Config{DatabaseURL: pgtest.URL(t), DataDir: t.TempDir()}
	a, accountsA := clusterInstance(t, cfg)
	b, _ := clusterInstance(t, cfg)
	rr, front := newRoundRobin(t, a.ts.URL, b.ts.URL)

	// Accounts: an operator created through A's database handle (as
	// `noncekit user add --operator` run beside A does) signs in on B.
	_, err := accountsA.Create(ctx, account.NewAccount{Email: operatorEmail, Role: account.RoleOperator, Password: operatorPassword})
	require.NoError(t, err)
	op := newBrowser(t, nil)
	assertRedirect(t, op.signIn(b.ts.URL, operatorEmail, operatorPassword), "/account")

	// Sessions: the one made on B is valid on A (both listen on
	// 127.0.0.1, so the jar sends the cookie to both, as a browser does to
	// two instances behind one name).
	for name, base := range map[string]string{"A": a.ts.URL, "B": b.ts.URL} {
		p := op.get(base + "/account")
		require.Equal(t, http.StatusOK, p.StatusCode, "signed in on %s", name)
		assert.Contains(t, p.body, "<dd>"+operatorEmail+"</dd>", "instance %s", name)
	}
	// And through the front: sign in on whichever instance it picks, then
	// every page, whichever instance serves it, knows the visitor.
	visitor := newBrowser(t, nil)
	_, err = accountsA.Create(ctx, account.NewAccount{Email: testEmail, Role: account.RoleUser, Password: testPassword})
	require.NoError(t, err)
	assertRedirect(t, visitor.signIn(front.URL, testEmail, testPassword), "/account")
	for i := range 4 {
		p := visitor.get(front.URL + "/account")
		require.Equal(t, http.StatusOK, p.StatusCode, "page %d through the front", i)
		assert.Contains(t, p.body, "<dd>"+testEmail+"</dd>")
	}

	// Reports: both operators' streams subscribe before anything is sent.
	cookie := op.cookie(a.ts.URL, "session")
	require.NotNil(t, cookie)
	streamA := openStream(t, a.ts.URL+"/api/reports/stream", cookie)
	streamB := openStream(t, b.ts.URL+"/api/reports/stream", cookie)

	before := [2]int64{rr.hits[0].Load(), rr.hits[1].Load()}
	want := map[string]int64{}
	sent := 0
	for k, n := range []int{3, 4, 5} { // kind k is reported n times
		blocked := fmt.Sprintf("https://evil.example/k%d.js", k)
		want[blocked] = int64(n)
		for range n {
			postTo(t, front.URL, "group=site", cspReport(blocked))
			sent++
		}
	}
	assert.EqualValues(t, 6, rr.hits[0].Load()-before[0], "the front sent half the reports to A")
	assert.EqualValues(t, 6, rr.hits[1].Load()-before[1], "and half to B")
	postTo(t, b.ts.URL, "group=site", cspReport("https://cdn.example/b-only.js"))
	sent++
	want["https://cdn.example/b-only.js"] = 1

	// Every report once on both streams. Once a stream has them all, they
	// are stored: the queue publishes a batch after its write.
	for name, s := range map[string]*eventStream{"A": streamA, "B": streamB} {
		got := map[string]int64{}
		for _, r := range s.take(t, sent) {
			got[r.BlockedURL]++
		}
		assert.Equal(t, want, got, "stream on %s", name)
	}

	// Both dashboards: one aggregate per kind, exact counts.
	for name, base := range map[string]string{"A": a.ts.URL, "B": b.ts.URL} {
		p := op.get(base + "/api/reports?limit=100")
		require.Equal(t, http.StatusOK, p.StatusCode)
		var body reportsJSON
		require.NoError(t, json.Unmarshal([]byte(p.body), &body))
		got := map[string]int64{}
		for _, r := range body.Reports {
			_, dup := got[r.BlockedURL]
			assert.False(t, dup, "dashboard %s: %s listed twice", name, r.BlockedURL)
			got[r.BlockedURL] = r.Count
		}
		assert.Equal(t, want, got, "dashboard on %s", name)
	}

	// Once: a report sent after all of the above is the next event on
	// each stream, not a copy of an earlier one.
	postTo(t, front.URL, "group=site", cspReport("https://evil.example/last.js"))
	for name, s := range map[string]*eventStream{"A": streamA, "B": streamB} {
		assert.Equal(t, "https://evil.example/last.js", s.take(t, 1)[0].BlockedURL, "stream on %s", name)
	}

	// Per-client limits through a trusted front are proven by
	// TestPerClientLimitsThroughTrustedProxy (proxy_test.go): with the
	// front's address in TRUSTED_PROXIES, its X-Forwarded-For names each
	// client, and one client's limits never become the front's bucket.
}
