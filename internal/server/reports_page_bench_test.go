package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/session"
)

// hostileKinds are n distinct kinds of report as a flood of forged ones
// leaves them: every one names a new third-party origin or page, spread
// over the directives the suggester treats differently (script origins
// beside the nonce, images, connections, styles, inline scripts), the
// mix that made every new origin a new candidate change to lint. They are
// received at t0+i ms.
func hostileKinds(n int, t0 time.Time) []report.Violation {
	vs := make([]report.Violation, n)
	for i := range vs {
		v := report.Violation{Group: "site", Disposition: report.DispositionEnforce,
			DocumentURL: "https://app.example/page", ReceivedAt: t0.Add(time.Duration(i) * time.Millisecond)}
		switch i % 5 {
		case 0:
			v.EffectiveDirective, v.BlockedURL = "script-src-elem", fmt.Sprintf("https://s%d.evil.example/x.js", i)
		case 1:
			v.EffectiveDirective, v.BlockedURL = "img-src", fmt.Sprintf("https://i%d.evil.example/p.gif", i)
		case 2:
			v.EffectiveDirective, v.BlockedURL = "connect-src", fmt.Sprintf("https://c%d.evil.example/beacon", i)
		case 3:
			v.EffectiveDirective, v.BlockedURL = "style-src-elem", fmt.Sprintf("https://f%d.evil.example/a.css", i)
		default:
			v.EffectiveDirective, v.BlockedURL = "script-src-elem", "inline"
			v.DocumentURL = fmt.Sprintf("https://app.example/page/%d", i)
		}
		vs[i] = v
	}
	return vs
}

// dashboardServer is the real server on a SQLite store holding vs (each
// client's budget of new kinds set to let all of them in), and the
// operator's session cookie. wrap, when not nil, gives the server a store
// wrapping the real one; log, when not nil, is the server's logger.
func dashboardServer(tb testing.TB, vs []report.Violation, wrap func(store.Store) store.Store, log *slog.Logger) (*Server, *http.Cookie) {
	tb.Helper()
	ctx := context.Background()
	db, _, err := database.Open(ctx, config.Config{DataDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	accounts := testStore(db)
	if _, err := accounts.Create(ctx, account.NewAccount{Email: operatorEmail, Role: account.RoleOperator, Password: operatorPassword}); err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	var st store.Store = store.New(db, store.Options{NewPerClient: len(vs), Now: func() time.Time { return now }})
	all := vs
	for len(all) > 0 {
		n := min(len(all), 500)
		if err := st.Record(ctx, all[:n], 0); err != nil {
			tb.Fatal(err)
		}
		all = all[n:]
	}
	if wrap != nil {
		st = wrap(st)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s, err := New(log, config.Config{Addr: "localhost:0"},
		Options{Reports: st, DB: db, Accounts: account.NewDirectory(accounts), Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close(context.Background()) })

	req := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(url.Values{"email": {operatorEmail}, "password": {operatorPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == session.CookieName {
			return s, c
		}
	}
	tb.Fatalf("sign-in answered %d and set no session cookie", rec.Code)
	return nil, nil
}

// BenchmarkReportsPage renders GET /reports, through the whole router as
// the operator, with 1,000 and 10,000 distinct kinds stored: the table,
// the noise count and the suggestions panel. Issue 21's target: at most
// 300 ms at 10,000 kinds on the project's 2-core machine, growing at most
// linearly with the kinds.
func BenchmarkReportsPage(b *testing.B) {
	for _, kinds := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("kinds=%d", kinds), func(b *testing.B) {
			s, op := dashboardServer(b, hostileKinds(kinds, time.Now().Add(-time.Hour)), nil, nil)
			req := httptest.NewRequest(http.MethodGet, "/reports", nil)
			req.AddCookie(op)
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.n, w.code = 0, 0
				s.ServeHTTP(w, req)
				if w.code != http.StatusOK {
					b.Fatalf("GET /reports: %d", w.code)
				}
			}
			b.SetBytes(int64(w.n))
		})
	}
}
