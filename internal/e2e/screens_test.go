package e2e_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/server"
	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

// maxPhoneHeader bounds the site header on a phone: the navigation must
// not push the page below the first screen (844 px tall). Two rows of
// links and the brand fit; a vertical stack of links does not.
const maxPhoneHeader = 140

// TestScreens renders the skeleton's pages on a laptop and on a phone,
// signed in as an operator with a long email, checks that none scrolls
// sideways, that the header says who is signed in and stays compact on
// the phone, and saves screenshots (chromium.ScreenshotDir) for a person
// to look at. The reports table is filled with real reports first.
func TestScreens(t *testing.T) {
	t.Parallel()
	k, st := startKitWithStore(t)
	postReports(t, k, st)

	for _, v := range chromium.Viewports() {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			tb := chromium.NewTab(t)
			tb.SetViewport(t, v)
			chromium.SignIn(t, tb, k.URL, screensOperator, screensPassword)
			for _, path := range []string{"/", "/reports", "/signin"} {
				name := "skeleton" + strings.ReplaceAll(path, "/", "-")
				if path == "/" {
					name = "skeleton-home"
				}
				tb.Open(t, k.URL+path)
				chromium.AssertNoHorizontalOverflow(t, tb, path, v)
				assertHeaderShowsSignedIn(t, tb, path, screensOperator)
				header := chromium.Eval[float64](t, tb, `document.querySelector(".site-header").getBoundingClientRect().height`)
				if v.Mobile {
					assert.LessOrEqual(t, header, float64(maxPhoneHeader), "%s: the header takes %.0f px of the phone's first screen", path, header)
				}
				if path == "/reports" {
					assertReportsTableReadable(t, tb, v)
					assertReportsTableNearTheTop(t, tb, v)
				}
				t.Logf("%s: %s", path, chromium.Screenshot(t, tb, name, v))
				if path == "/reports" {
					// Every suggestion opened: still nothing past the edge.
					chromium.Eval[bool](t, tb, `(document.querySelectorAll("details").forEach((d) => { d.open = true; }), true)`)
					chromium.AssertNoHorizontalOverflow(t, tb, "/reports, every suggestion open", v)
					t.Logf("%s opened: %s", path, chromium.Screenshot(t, tb, name+"-open", v))
				}
			}
		})
	}
}

// assertHeaderShowsSignedIn checks the page header on a page of a
// signed-in visitor: their email and a sign-out button, whole on screen;
// the account link; no sign-in link.
func assertHeaderShowsSignedIn(t *testing.T, tb *chromium.Tab, path, email string) {
	t.Helper()
	got := chromium.Eval[struct {
		Name    string   `json:"name"`
		Links   []string `json:"links"`
		SignOut bool     `json:"signOut"`
	}](t, tb, `(() => {
		const header = document.querySelector(".site-header"), name = header.querySelector("[data-signed-in-as]");
		const button = header.querySelector('form[action="/signout"][method="post"] button');
		const inView = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.left >= 0 && r.right <= innerWidth; };
		return {
			name: name ? name.title : "",
			links: [...header.querySelectorAll("nav a")].map((a) => a.getAttribute("href")),
			signOut: !!button && inView(button) && inView(name),
		};
	})()`)
	assert.Equal(t, email, got.Name, "%s: the header names who is signed in", path)
	assert.True(t, got.SignOut, "%s: the sign-out button and the name are on screen", path)
	assert.Contains(t, got.Links, "/account", path)
	assert.NotContains(t, got.Links, "/signin", "%s: a signed-in visitor is offered no sign-in", path)
}

// maxTableTop bounds where the reports table starts on a laptop: within
// the first two screens (900 px each), whatever the suggestions.
const maxTableTop = 1800

// assertReportsTableNearTheTop checks that the table starts within the
// first two laptop screens, with every suggestion folded to one line
// until it is opened.
func assertReportsTableNearTheTop(t *testing.T, tb *chromium.Tab, v chromium.Viewport) {
	t.Helper()
	got := chromium.Eval[struct {
		Top         float64 `json:"top"`
		Suggestions int     `json:"suggestions"`
		Open        int     `json:"open"`
	}](t, tb, `({
		top: document.querySelector("#reports").getBoundingClientRect().top + scrollY,
		suggestions: document.querySelectorAll("details.suggestion").length,
		open: document.querySelectorAll("details.suggestion[open]").length,
	})`)
	require.Positive(t, got.Suggestions, "the reports have suggestions")
	if !v.Mobile {
		overflow := chromium.Eval[float64](t, tb, `document.querySelector("#reports").scrollWidth - document.querySelector(".table-wrap").clientWidth`)
		assert.LessOrEqual(t, overflow, 0.0, "the reports table is %.0f px wider than its card", overflow)
	}
	assert.Zero(t, got.Open, "suggestions start folded")
	if !v.Mobile {
		assert.LessOrEqual(t, got.Top, float64(maxTableTop), "the reports table starts %.0f px down", got.Top)
	}
	t.Logf("%s: the reports table starts %.0f px down", v.Name, got.Top)
}

// assertReportsTableReadable checks the reports table on a laptop: each
// date stays on one line and no path or URL is cut inside a word that
// would fit on a line.
func assertReportsTableReadable(t *testing.T, tb *chromium.Tab, v chromium.Viewport) {
	t.Helper()
	if v.Mobile {
		return // the table scrolls inside its box on a phone
	}
	got := chromium.Eval[struct {
		Paths      int      `json:"paths"`
		Rows       int      `json:"rows"`
		DateLines  []int    `json:"dateLines"`
		SplitWords []string `json:"splitWords"`
	}](t, tb, `(() => {
		const lines = (el) => {
			const r = document.createRange();
			r.selectNodeContents(el);
			return new Set([...r.getClientRects()].map((q) => Math.round(q.top))).size;
		};
		// A word is cut when a letter or digit starts a line right after a
		// letter or digit: the line broke inside a word. That is a fault
		// only when the part it broke (the text between two of the page's
		// <wbr>, one text node) would have fit on a line of its cell.
		const split = [], paths = document.querySelectorAll("#reports [data-path]");
		const width = (node) => {
			const r = document.createRange();
			r.selectNodeContents(node);
			return [...r.getClientRects()].reduce((sum, q) => sum + q.width, 0);
		};
		for (const el of paths) {
			const cell = el.closest("td"), style = getComputedStyle(cell);
			const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
			let prev = null;
			const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
			for (let text = walk.nextNode(); text; text = walk.nextNode()) {
				for (let i = 0; i < text.length; i++) {
					const r = document.createRange();
					r.setStart(text, i);
					r.setEnd(text, i + 1);
					const cur = {ch: text.data[i], top: r.getBoundingClientRect().top};
					if (prev && cur.top > prev.top + 2 && /[A-Za-z0-9]/.test(prev.ch) && /[A-Za-z0-9]/.test(cur.ch) && width(text) <= room) {
						split.push(el.textContent);
					}
					prev = cur;
				}
			}
		}
		return {
			paths: paths.length,
			rows: document.querySelectorAll("#reports tbody tr").length,
			dateLines: [...document.querySelectorAll("#reports time")].map(lines),
			splitWords: split,
		};
	})()`)
	require.Positive(t, got.Rows, "the reports table is empty")
	require.Equal(t, 2*got.Rows, len(got.DateLines), "each row shows when it was last and first seen in <time>")
	require.Equal(t, 3*got.Rows, got.Paths, "each row marks its blocked URL, page and source as data-path")
	for i, n := range got.DateLines {
		assert.Equal(t, 1, n, "date %d of the reports table spans %d lines", i, n)
	}
	assert.Empty(t, got.SplitWords, "paths cut inside a word")
}

// The operator who looks at the reports page in TestScreens.
const (
	screensOperator = "olive.operator-on-call@reports.example-company.com" // long, as real ones are
	screensPassword = "operator staple battery"
)

// startKitWithStore serves the skeleton with a real report store, so the
// reports page has rows to show.
func startKitWithStore(t *testing.T) (*chromium.Kit, store.Store) {
	t.Helper()
	ctx := context.Background()
	db, _, err := database.Open(ctx, config.Config{DataDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() }) // last: after the server's Close below
	// The reports page is an operator's.
	_, err = account.NewStore(db).Create(ctx, account.NewAccount{Email: screensOperator, Role: account.RoleOperator, Password: screensPassword})
	require.NoError(t, err)
	st := store.New(db, store.Options{})
	srv, err := server.New(slog.New(slog.DiscardHandler), config.Config{}, server.Options{DB: db, Reports: st})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	return chromium.Serve(t, "http", srv), st
}

// postReports sends the kind of reports a real site collects, long paths
// and URLs included, and waits until the store lists them.
func postReports(t *testing.T, k *chromium.Kit, st store.Store) {
	t.Helper()
	reports := []struct{ group, directive, blocked, document, source string }{
		{"site", "script-src-elem", "inline", "/account/settings/notifications", "/account/settings/notifications"},
		{"site", "style-src-elem", "https://fonts.example-cdn.com/css2?family=Inter:wght@400;700&display=swap", "/reports", ""},
		{"site", "img-src", "https://tracking.analytics-provider.example/pixel/collect/v2/event", "/blog/2026/11/a-rather-long-article-title-about-content-security-policy", ""},
		{"api", "connect-src", "wss://realtime.example.org/socket/websocket", "/dashboard/realtime", "/static/js/site.49448c65785e.js"},
		// A dozen kinds in all, in three groups, with the long URLs real
		// third parties have.
		{"site", "script-src-elem", "https://www.googletagmanager.com/gtag/js", "/pricing/enterprise-plans-and-volume-discounts", ""},
		{"site", "font-src", "https://fonts.gstatic.com/s/inter/v13/UcCO3FwrK3iLTeHuS_fvQtMwCp50KnMw2boKoduKmMEVuLyfAZ9hiA.woff2", "/", ""},
		{"site", "frame-src", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "/blog/2026/12/video-walkthrough-of-the-dashboard", ""},
		{"site", "connect-src", "https://o4504.ingest.sentry.io/api/4504/envelope/", "/account", "/static/js/site.49448c65785e.js"},
		{"site", "img-src", "data", "/account/avatar", ""},
		{"marketing", "img-src", "https://px.ads.linkedin.com/collect/insight-tag-conversion-tracking-pixel", "/landing/spring-campaign-2027-with-a-long-slug", ""},
		{"marketing", "style-src-attr", "inline", "/landing/spring-campaign-2027-with-a-long-slug", "/landing/spring-campaign-2027-with-a-long-slug"},
		{"api", "connect-src", "https://averyveryveryverylongsubdomainnamewithoutanybreaks.example.com/v1/events", "/dashboard/realtime", ""},
	}
	for _, r := range reports {
		body := fmt.Sprintf(`{"csp-report":{"document-uri":%q,"violated-directive":%q,"effective-directive":%q,"original-policy":"default-src 'self'","disposition":"enforce","blocked-uri":%q,"line-number":12,"column-number":3,"source-file":%q,"status-code":200,"script-sample":""}}`,
			k.URL+r.document, r.directive, r.directive, r.blocked, k.URL+r.source)
		req, err := http.NewRequest(http.MethodPost, k.URL+"/csp-report?group="+r.group, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/csp-report")
		resp, err := k.Client().Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Less(t, resp.StatusCode, 300, "report POST answered %d", resp.StatusCode)
	}
	require.Eventually(t, func() bool {
		got, err := st.List(context.Background(), store.Filter{Limit: store.DefaultLimit})
		return err == nil && len(got) == len(reports)
	}, chromium.WaitTimeout, chromium.PollInterval, "the posted reports never reached the store")
}
