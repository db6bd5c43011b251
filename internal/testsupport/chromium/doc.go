// Package chromium is test support: the harness that proves the kit's
// Content-Security-Policy in a real browser.
//
// Only a browser can tell which scripts and styles actually ran, whether a
// blocked one raised a securitypolicyviolation event and sent a report, and
// whether the DOM hides the nonce. The package is the harness for such
// tests, importable by any test package (the skeleton's in internal/e2e,
// the showcase's in internal/showcase/browser):
//
//   - Main, called from TestMain, finds Chromium and starts the one headless
//     browser the test binary shares.
//   - Serve puts any handler on an httptest server over http or https and
//     captures every report POST on its way through (Kit, Reports, Report).
//   - NewTab opens a tab that records the console and every
//     securitypolicyviolation; Eval, WaitUntil, RecordedViolations and Links
//     read the page.
//
// Import it from _test.go files only: it pulls in chromedp and the testing
// package, which no binary of the kit must carry.
//
// Run the tests with `make e2e`. Chromium is found through CHROMIUM_PATH or
// on PATH; when it is missing the suite skips, unless CI is set, where it
// fails.
package chromium
