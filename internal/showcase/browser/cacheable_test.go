package browser_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

// injected is markup an attacker got into a cached page (a stored comment
// the CDN now serves to everyone): it has no hash in the policy.
const injected = `<script>document.documentElement.dataset.injected = "ran";</script>`

// TestCacheablePage loads /demo/cached-page, the catalogue's cacheable
// page, as a browser gets it from a cache: no nonce anywhere, yet the
// layout's and the demo's script files run by their integrity, the
// hashed inline script runs and the hashed style applies, with no
// violation of the kit's own. Then the same page with a script injected
// into the cached bytes (after the CSP middleware checked them, as a
// stored injection would be): the browser blocks it and says so.
func TestCacheablePage(t *testing.T) {
	t.Parallel()
	srv := newKitServer(t)
	inject := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("injected") == "" {
			srv.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		body := bytes.Replace(rec.Body.Bytes(), []byte("</main>"), []byte(injected+"</main>"), 1)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
	k := chromium.Serve(t, "http", inject)

	resp, err := k.Client().Get(k.URL + "/demo/cached-page")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "public, max-age=60", resp.Header.Get("Cache-Control"))
	assert.NotEmpty(t, resp.Header.Get("Etag"))
	assert.NotContains(t, resp.Header.Get("Content-Security-Policy"), "nonce")

	tb := chromium.NewTab(t)
	u := k.URL + "/demo/cached-page"
	tb.Open(t, u)
	WaitDemoReady(t, tb, u)
	for _, c := range DemoCases(t, tb) {
		assert.Equal(t, c.Expected, c.Outcome, "%s: case %s", u, c.Name)
	}
	assert.Equal(t, 0, chromium.Eval[int](t, tb, `document.querySelectorAll("[nonce]").length`), "no element carries a nonce")
	assert.True(t, chromium.Eval[bool](t, tb, `getComputedStyle(document.querySelector(".site-header")).display !== "inline"`),
		"the layout's stylesheet applied")
	for _, v := range chromium.RecordedViolations(t, tb) {
		assert.Equal(t, "script-src-attr", v.Directive, "%s: only the injected handler's panel is blocked, not %s", u, v.Blocked)
	}
	assertDemoPageSound(t, tb, u)

	tb.Open(t, u+"?injected=1")
	WaitDemoReady(t, tb, u)
	assert.Empty(t, chromium.Eval[string](t, tb, `document.documentElement.dataset.injected || ""`), "the injected script must not run")
	elem := 0
	for _, v := range chromium.RecordedViolations(t, tb) {
		if v.Directive == "script-src-elem" && strings.Contains(v.Blocked, "inline") {
			elem++
		}
	}
	assert.Equal(t, 1, elem, "the browser reports the blocked injected script")
}
