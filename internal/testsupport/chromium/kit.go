package chromium

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// WaitTimeout bounds every wait on the browser or on a report. Reports
// arrive within ~0.2 s; the margin is for a loaded 2-core machine.
const WaitTimeout = 10 * time.Second

// PollInterval is how often a wait on the page asks again.
const PollInterval = 20 * time.Millisecond

// Schemes lists the two ways the kit is served, for a test to run over
// each: over http its policies report with report-uri only, over https with
// report-to and Reporting-Endpoints as well.
func Schemes() []string { return []string{"http", "https"} }

// Kit is a handler on a loopback httptest server, with every report POST
// captured on its way through.
type Kit struct {
	// URL is the server's base URL, such as "http://127.0.0.1:40123".
	URL string
	// Reports holds every report POST the server received.
	Reports *Reports

	server *httptest.Server
}

// Serve serves h over scheme ("http" or "https", the latter with
// httptest's self-signed certificate, which the shared browser accepts) for
// the length of the test. The caller builds h: the harness knows no router.
// Every request reaches h unchanged; report POSTs are also recorded
// in Kit.Reports.
func Serve(t *testing.T, scheme string, h http.Handler) *Kit {
	t.Helper()
	if scheme != "http" && scheme != "https" {
		t.Fatalf("chromium.Serve: unknown scheme %q: want http or https", scheme)
	}
	reports := newReports()
	ts := httptest.NewUnstartedServer(reports.wrap(h))
	if scheme == "https" {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	return &Kit{URL: ts.URL, Reports: reports, server: ts}
}

// Client returns an HTTP client for the server, one that trusts its
// certificate over https.
func (k *Kit) Client() *http.Client { return k.server.Client() }
