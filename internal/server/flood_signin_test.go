package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/testsupport/dbtest"
)

// newKindReport is a report of a kind no other report has: its blocked
// script's host is numbered i.
func newKindReport(i int) string {
	return fmt.Sprintf(`{"csp-report":{"document-uri":"https://app.example/page","violated-directive":"script-src-elem","effective-directive":"script-src-elem","disposition":"enforce","blocked-uri":"https://k%d.evil.example/x.js"}}`, i)
}

// TestSignInDuringAReportFlood reproduces issue 21's attack: 12,000
// reports, each of a new kind and from a new address (one IPv6 /50 holds
// that many /64s; the kit sits behind a trusted proxy), sent as fast as 8
// connections allow, past the store's cap of 10,000 kinds. Sign-in, which
// writes a session to the same database, keeps answering during the flood
// and right after it, while the queue is still writing: never 503.
func TestSignInDuringAReportFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("12,000 reports through the real server on both engines")
	}
	dbtest.Each(t, func(t *testing.T, e dbtest.Engine) {
		ctx := context.Background()
		db := e.New(t)
		accounts := testStore(db)
		_, err := accounts.Create(ctx, account.NewAccount{Email: operatorEmail, Role: account.RoleOperator, Password: operatorPassword})
		require.NoError(t, err)
		st := store.New(db, store.Options{})
		s, err := New(slog.New(slog.DiscardHandler),
			config.Config{Addr: "127.0.0.1:0", TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
			Options{DB: db, Reports: st, Accounts: account.NewDirectory(accounts)})
		require.NoError(t, err)
		base := serveOnLoopback(t, s)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
		t.Cleanup(client.CloseIdleConnections)
		noRedirect := &http.Client{Transport: client.Transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

		signIn := func() int {
			req, err := http.NewRequest(http.MethodPost, base+"/signin",
				strings.NewReader(url.Values{"email": {operatorEmail}, "password": {operatorPassword}}.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			resp, err := noRedirect.Do(req)
			require.NoError(t, err)
			_ = resp.Body.Close()
			return resp.StatusCode
		}

		const reports, senders = 12_000, 8
		var next, accepted atomic.Int64
		var wg sync.WaitGroup
		for range senders {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < reports; i = int(next.Add(1) - 1) {
					req, err := http.NewRequest(http.MethodPost, base+"/csp-report?group=site", strings.NewReader(newKindReport(i)))
					if !assert.NoError(t, err) {
						return
					}
					req.Header.Set("Content-Type", "application/csp-report")
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("2001:db8:0:%x::1", i))
					resp, err := client.Do(req)
					if !assert.NoError(t, err) {
						return
					}
					_ = resp.Body.Close()
					if resp.StatusCode == http.StatusNoContent {
						accepted.Add(1)
					}
				}
			})
		}
		// During the flood, then right after it while the queue writes.
		statuses := map[int]int{}
		for next.Load() < reports {
			statuses[signIn()]++
		}
		wg.Wait()
		for range 5 {
			statuses[signIn()]++
		}
		t.Logf("%d reports accepted; sign-in answers: %v; queue %+v", accepted.Load(), statuses, s.ReportQueueStats())
		for code, n := range statuses {
			assert.Equal(t, http.StatusSeeOther, code, "%d sign-ins answered %d", n, code)
		}
	})
}
