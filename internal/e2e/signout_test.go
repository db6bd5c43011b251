package e2e_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

// TestSignOutFromTheHeader: the header's sign-out button, on any page,
// ends the session: the browser lands on the sign-in form, which says so,
// and no page names the visitor any more.
func TestSignOutFromTheHeader(t *testing.T) {
	t.Parallel()
	k, _ := startKitWithStore(t)
	tb := chromium.NewTab(t)
	chromium.SignIn(t, tb, k.URL, screensOperator, screensPassword)
	tb.Open(t, k.URL+"/")
	assertHeaderShowsSignedIn(t, tb, "/", screensOperator)

	chromium.Eval[bool](t, tb, `(document.querySelector('.site-header form[action="/signout"] button').click(), true)`)
	chromium.WaitUntil(t, tb, `location.pathname === "/signin" && document.readyState === "complete"`, "signing out did not reach /signin")
	assert.Contains(t, chromium.Eval[string](t, tb, `document.querySelector("main").textContent`), "signed out")
	for _, path := range []string{"/signin", "/"} {
		tb.Open(t, k.URL+path)
		assert.Zero(t, chromium.Eval[int](t, tb, `document.querySelectorAll("[data-signed-in-as], .site-header form[action='/signout']").length`), path)
		assert.Equal(t, 1, chromium.Eval[int](t, tb, `document.querySelectorAll(".site-header nav a[href='/signin']").length`), "%s: the sign-in link is back", path)
	}
}
