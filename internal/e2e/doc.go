// Package e2e proves the kit's Content-Security-Policy in a real browser.
//
// Its tests start the kit's router on httptest servers (plain http and
// https), drive one headless Chromium through chromedp, and check what only
// a browser can tell: which demo scripts and styles actually ran, that the
// blocked ones raise securitypolicyviolation events and send reports to the
// kit's receiver, that no page outside the demos causes a violation or a
// console error, and that the browser hides the nonce from the DOM.
//
// Run them with `make e2e`. Chromium is found through CHROMIUM_PATH or on
// PATH; when it is missing the suite skips, unless CI is set, where it fails.
package e2e
