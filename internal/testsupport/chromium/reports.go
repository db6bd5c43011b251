package chromium

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// ReportPath is where the kit's policies send violation reports: the
// default report path of csp.Manager, served by the router. A page may
// name another (the showcase's live demo views do): Serve records report
// POSTs by their content type, wherever they go.
const ReportPath = "/csp-report"

// maxRecorded caps how much of one report body is recorded; the handler
// still reads the whole body.
const maxRecorded = 1 << 20

// Report is one report POST, as the browser sent it.
type Report struct {
	Method       string
	Path         string // where the policy sent it: ReportPath, or a page's own
	ContentType  string
	Group        string // the ?group= the policy put in its reporting URL
	SecFetchSite string // "" when the browser sent none
	SecFetch     string // every Sec-Fetch-* header, sorted, for the log
	Origin       string
	Body         []byte // at most the first MiB
}

// Violation is the part of a report the tests compare, read from either
// format: report-uri's {"csp-report":{...}} or the Reporting API's array.
type Violation struct {
	DocumentURL string
	Directive   string // the effective directive, such as script-src-elem
	Blocked     string // "inline", "eval" or a URL
	Disposition string // "enforce" or "report"
}

// Violations decodes the report's body by its content type:
// application/csp-report holds one violation, application/reports+json any
// number, among reports of other types, which are left out. Any other
// content type holds none.
func (r Report) Violations() ([]Violation, error) {
	switch MediaType(r.ContentType) {
	case "application/csp-report":
		var v struct {
			Report struct {
				DocumentURI        string `json:"document-uri"`
				EffectiveDirective string `json:"effective-directive"`
				BlockedURI         string `json:"blocked-uri"`
				Disposition        string `json:"disposition"`
			} `json:"csp-report"`
		}
		if err := json.Unmarshal(r.Body, &v); err != nil {
			return nil, fmt.Errorf("decoding application/csp-report body: %w", err)
		}
		c := v.Report
		return []Violation{{c.DocumentURI, c.EffectiveDirective, c.BlockedURI, c.Disposition}}, nil
	case "application/reports+json":
		var list []struct {
			Type string `json:"type"`
			Body struct {
				DocumentURL        string `json:"documentURL"`
				EffectiveDirective string `json:"effectiveDirective"`
				BlockedURL         string `json:"blockedURL"`
				Disposition        string `json:"disposition"`
			} `json:"body"`
		}
		if err := json.Unmarshal(r.Body, &list); err != nil {
			return nil, fmt.Errorf("decoding application/reports+json body: %w", err)
		}
		var out []Violation
		for _, e := range list {
			if e.Type == "csp-violation" {
				b := e.Body
				out = append(out, Violation{b.DocumentURL, b.EffectiveDirective, b.BlockedURL, b.Disposition})
			}
		}
		return out, nil
	}
	return nil, nil
}

// MediaType returns a Content-Type's media type, lower-cased, without
// parameters: "application/csp-report; charset=utf-8" gives
// "application/csp-report".
func MediaType(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.TrimSpace(strings.ToLower(mt))
}

// Reports records report POSTs and wakes waiters on each one. It sits in
// front of the served handler, which still answers every request, so a test
// sees what the browser sent whatever the kit's receiver does with it.
type Reports struct {
	mu      sync.Mutex
	reports []Report
	changed chan struct{} // closed and replaced on every new report
}

func newReports() *Reports { return &Reports{changed: make(chan struct{})} }

// wrap records every report POST (application/csp-report or
// application/reports+json, to any path), then hands the request to next
// with its body intact.
func (c *Reports) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if mt := MediaType(r.Header.Get("Content-Type")); r.Method == http.MethodPost &&
			(mt == "application/csp-report" || mt == "application/reports+json") {
			body, _ := io.ReadAll(io.LimitReader(r.Body, maxRecorded))
			// What was read, then the rest: next sees the body the browser
			// sent, however long.
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
			c.add(Report{
				Method:       r.Method,
				Path:         r.URL.Path,
				ContentType:  r.Header.Get("Content-Type"),
				Group:        r.URL.Query().Get("group"),
				SecFetchSite: r.Header.Get("Sec-Fetch-Site"),
				SecFetch:     secFetch(r.Header),
				Origin:       r.Header.Get("Origin"),
				Body:         body,
			})
		}
		next.ServeHTTP(w, r)
	})
}

// secFetch lists the request's Sec-Fetch-* headers, sorted.
func secFetch(h http.Header) string {
	var out []string
	for k, v := range h {
		if strings.HasPrefix(k, "Sec-Fetch-") {
			out = append(out, k+"="+strings.Join(v, ","))
		}
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func (c *Reports) add(r Report) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reports = append(c.reports, r)
	close(c.changed)
	c.changed = make(chan struct{})
}

// All returns a copy of the reports received so far, in arrival order.
func (c *Reports) All() []Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Report(nil), c.reports...)
}

// WaitFor returns the first report match accepts, waiting for it until
// WaitTimeout; on timeout it fails the test, naming what it waited for and
// listing what did arrive.
func (c *Reports) WaitFor(t *testing.T, what string, match func(Report) bool) Report {
	t.Helper()
	deadline := time.NewTimer(WaitTimeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for _, r := range c.reports {
			if match(r) {
				c.mu.Unlock()
				return r
			}
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			var got []string
			for _, r := range c.All() {
				got = append(got, r.ContentType+" group="+r.Group+" "+string(r.Body))
			}
			t.Fatalf("no %s within %s; reports received:\n%s", what, WaitTimeout, strings.Join(got, "\n"))
			return Report{}
		}
	}
}
