package browser_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/server"
	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

// The operator who reads the dashboard in this test.
const (
	operatorEmail    = "olive@example.com"
	operatorPassword = "operator staple battery"
)

// marker is a violation a tab raises on purpose, told apart from the ones
// the demo page raises while it loads (inline script and style) by its
// host: an image from a host img-src (default-src 'self') refuses before
// any request is made. (Not eval: DevTools' evaluate may run it despite
// the policy.)
func marker(host string) string {
	return `(() => { new Image().src = "https://` + host + `.invalid/x.png"; return true; })()`
}

// has is a JavaScript condition: the tab's live list holds a report whose
// blockedURL contains s.
func has(s string) string {
	return `window.noncekitServerReports.some((r) => (r.blockedURL || "").includes(` + jsString(s) + `))`
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestReportReachesDashboard closes the loop with a real store: the report
// Chromium sends for /demo's blocked inline script (report-uri over http,
// report-to over https) is stored and listed by GET /api/reports for a
// signed-in operator, and streamed back to the demo page's "Reports the
// server received" list of the page view that caused it, and of no other
// view: a second tab's reports never reach the first, nor the first's the
// second.
func TestReportReachesDashboard(t *testing.T) {
	t.Parallel()
	for _, scheme := range chromium.Schemes() {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, _, err := database.Open(ctx, config.Config{DataDir: t.TempDir()})
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() }) // last: after the server's Close below
			_, err = account.NewStore(db).Create(ctx, account.NewAccount{Email: operatorEmail, Role: account.RoleOperator, Password: operatorPassword})
			require.NoError(t, err)
			srv, err := server.New(slog.New(slog.DiscardHandler), config.Config{Showcase: true},
				server.Options{DB: db, Reports: store.New(db, store.Options{})})
			require.NoError(t, err)
			// Registered before Serve's, so it runs after the listener
			// closes: cleanups run last first.
			t.Cleanup(func() { _ = srv.Close(context.Background()) })
			k := chromium.Serve(t, scheme, srv)

			first := chromium.NewTab(t)
			first.Open(t, k.URL+"/demo")
			WaitDemoReady(t, first, k.URL+"/demo")

			operator := signIn(t, k, operatorEmail, operatorPassword)
			stored := func() bool {
				resp, err := operator.Get(k.URL + "/api/reports?group=demo&directive=script-src-elem&disposition=enforce")
				if err != nil {
					return false
				}
				defer resp.Body.Close()
				var got struct {
					Reports []report.Aggregate `json:"reports"`
				}
				if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&got) != nil {
					return false
				}
				for _, a := range got.Reports {
					if a.BlockedURL == "inline" && a.DocumentPath == "/demo" {
						return true
					}
				}
				return false
			}
			require.Eventually(t, stored, chromium.WaitTimeout, chromium.PollInterval,
				"Chromium's report for the blocked inline script never showed up in /api/reports")
			anonymous, err := k.Client().Get(k.URL + "/api/reports")
			require.NoError(t, err)
			anonymous.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, anonymous.StatusCode, "the dashboard's data is for operators")

			chromium.WaitUntil(t, first, `window.noncekitServerReports.length > 0`,
				"the demo page's live list never received the stored report")
			chromium.Eval[bool](t, first, marker("first-before"))
			chromium.WaitUntil(t, first, has("first-before.invalid"), "the first tab's marker never came back to it")

			// A second view of the same page, opened after the first tab's
			// reports were stored: its stream replays its own view only.
			second := chromium.NewTab(t)
			second.Open(t, k.URL+"/demo")
			WaitDemoReady(t, second, k.URL+"/demo")
			chromium.WaitUntil(t, second, `window.noncekitServerReports.length > 0`, "the second tab never received its own reports")
			chromium.Eval[bool](t, second, marker("second"))
			chromium.WaitUntil(t, second, has("second.invalid"), "the second tab's marker never came back to it")

			// The first tab's next marker was raised after the second tab's
			// reports were stored and streamed: on its ordered stream a
			// leaked one would have come before it.
			chromium.Eval[bool](t, first, marker("first-after"))
			chromium.WaitUntil(t, first, has("first-after.invalid"), "the first tab's second marker never came back to it")

			assert.False(t, chromium.Eval[bool](t, first, has("second.invalid")), "the first tab received the second tab's report")
			assert.False(t, chromium.Eval[bool](t, second, has("first-before.invalid")),
				"the second tab received the first tab's report")
		})
	}
}

// signIn returns a client with a cookie jar, signed in through the real
// form.
func signIn(t *testing.T, k *chromium.Kit, email, password string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := *k.Client() // a copy: the kit's client stays without cookies
	c.Jar = jar
	resp, err := c.PostForm(k.URL+"/signin", url.Values{"email": {email}, "password": {password}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "the sign-in redirects to the account page")
	require.Equal(t, "/account", resp.Request.URL.Path, "signed in as %s", email)
	return &c
}
