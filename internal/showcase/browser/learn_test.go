package browser_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/csp/suggest"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/server"
	"github.com/noncekit/noncekit/internal/testsupport/chromium"
	"github.com/noncekit/noncekit/internal/testsupport/kitcopy"
	views "github.com/noncekit/noncekit/views/showcase"
)

// applied is the learn page as the suggestion says to change it: the
// suggested policy enforced instead of the declared one, and, when
// nonceTag is set, the nonce on the third-party script's tag, which the
// suggestion's note asks for.
type applied struct {
	policy   csp.Policy
	nonceTag bool
}

// TestLearnDemo is the adoption loop in Chromium, over http and https:
// /demo/learn under its report-only policy sends real reports; the store
// holds them; package suggest turns the stored aggregates into a policy
// (the image's origin in img-src; the script and the handler refused, the
// script because under 'strict-dynamic' its host would change nothing),
// the one the page itself shows and `csp suggest` prints. Enforced, that
// policy blocks the script and the handler; once the script's tag carries
// the nonce, as the refusal advises, only the handler.
// `go run ./cmd/csp suggest` on the test's store prints the same and
// exits 1.
func TestLearnDemo(t *testing.T) {
	t.Parallel()
	for _, scheme := range chromium.Schemes() {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dataDir := t.TempDir()
			db, _, err := database.Open(ctx, config.Config{DataDir: dataDir})
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() }) // last: after the server's Close
			st := store.New(db, store.Options{})
			srv, err := server.New(slog.New(slog.DiscardHandler), config.Config{Showcase: true},
				server.Options{DB: db, Reports: st})
			require.NoError(t, err)
			t.Cleanup(func() { _ = srv.Close(context.Background()) })

			var change atomic.Pointer[applied] // nil: the kit as it is
			var other string                   // the second origin, once the URL is known
			k := chromium.Serve(t, scheme, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if a := change.Load(); a != nil && r.URL.Path == "/demo/learn" {
					serveApplied(t, w, r, srv, *a, other)
					return
				}
				srv.ServeHTTP(w, r)
			}))
			page := k.URL + "/demo/learn"
			other = strings.Replace(k.URL, "127.0.0.1", "localhost", 1)
			require.Equal(t, other, views.SecondOrigin(scheme == "https", strings.TrimPrefix(k.URL, scheme+"://")))
			script, image := other+"/demo/learn/third-party.js", other+"/demo/learn/third-party.svg"

			// 1. Report-only: everything loads and runs, and is reported.
			tb := chromium.NewTab(t)
			tb.Open(t, page)
			WaitDemoReady(t, tb, page)
			assert.Equal(t, map[string]string{views.CaseLearnImage: "reported", views.CaseLearnScript: "reported",
				views.CaseLearnHandler: "reported", views.CaseLearnSuggestion: "suggested"}, outcomes(t, tb))
			assert.ElementsMatch(t, []string{"img-src " + image + " report", "script-src-elem " + script + " report",
				"script-src-attr inline report"}, violationSet(chromium.RecordedViolations(t, tb)))

			// 2. The store holds the three kinds, each with as many reports
			// as the page raised events (Chromium reports the handler once
			// when it parses it and once when the click runs it): only
			// then is the store done changing.
			raised := map[string]int64{}
			for _, v := range chromium.RecordedViolations(t, tb) {
				raised[v.Directive]++
			}
			var aggs []report.Aggregate
			require.Eventually(t, func() bool {
				aggs, err = st.List(ctx, store.Filter{Group: "learn", Limit: store.DefaultMaxRows})
				if err != nil || len(aggs) != 3 {
					return false
				}
				for _, a := range aggs {
					if a.Count != raised[a.Directive] {
						return false
					}
				}
				return true
			}, chromium.WaitTimeout, chromium.PollInterval, "the learn page's reports never all reached the store (raised %v)", raised)
			for _, r := range k.Reports.All() {
				t.Logf("report over %s: %s %s", scheme, r.ContentType, r.Body)
			}

			// 3. The suggestion from the stored aggregates.
			ss := suggest.Groups(srv.CSP().Groups(), aggs, suggest.Options{Bases: []suggest.Base{
				{Name: "site", Policy: srv.SitePolicy()}, {Name: "api", Policy: srv.APIPolicy()}}})
			require.Len(t, ss, 1)
			s := ss[0]
			wantValue := "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; img-src 'self' " + other
			wantGo := `site.Add(csp.ImgSrc, "` + other + `")`
			assert.Equal(t, wantValue, s.Value)
			assert.Equal(t, wantGo, s.Go)
			assert.Equal(t, csp.HeaderCSPReportOnly, s.Header)
			require.Len(t, s.Refused, 2)
			assert.Equal(t, "script-needs-nonce", s.Refused[0].Kind)
			assert.Contains(t, s.Refused[0].Instead, "nonce={ templ.GetNonce(ctx) }", "the script needs the nonce")
			assert.Equal(t, "inline-handler", s.Refused[1].Kind)
			assert.Contains(t, s.Refused[1].Instead, "addEventListener")
			require.Len(t, s.Resolved, 1)
			assert.Equal(t, "img-src", s.Resolved[0].Directive)

			// What `csp suggest` prints (suggest.Write), and what the page
			// itself showed, from its own view's reports.
			var out strings.Builder
			require.NoError(t, suggest.Write(&out, ss))
			assert.Contains(t, out.String(), "\n  Header:\n    "+csp.HeaderCSPReportOnly+": "+wantValue+"\n")
			assert.Contains(t, out.String(), "\n    "+wantGo+"\n")
			t.Logf("csp suggest prints:\n%s", out.String())
			assert.Equal(t, csp.HeaderCSPReportOnly+": "+wantValue,
				chromium.Eval[string](t, tb, `document.querySelector("[data-suggested-header]").textContent`))

			// The command itself, on this store, as an operator runs it.
			stdout, code := goRunSuggest(t, dataDir)
			assert.Equal(t, 1, code, "there is something to change")
			assert.Equal(t, out.String(), stdout, "go run ./cmd/csp suggest prints the same")
			assert.Equal(t, "ReportOnly: "+wantGo+",",
				chromium.Eval[string](t, tb, `document.querySelector("[data-suggested-go]").textContent`))

			// 4. The suggested policy enforced, the page unchanged: the
			// image loads; the tag without a nonce and the handler stay
			// blocked, as the refusals say.
			change.Store(&applied{policy: s.Policy})
			tb.Open(t, page)
			WaitDemoReady(t, tb, page)
			assert.ElementsMatch(t, []string{"script-src-elem " + script + " enforce", "script-src-attr inline enforce"},
				violationSet(chromium.RecordedViolations(t, tb)))
			assert.Equal(t, "loaded", outcomes(t, tb)[views.CaseLearnImage])

			// 5. And with the nonce on the tag, as the refusal advises: only
			// the refused handler is blocked.
			change.Store(&applied{policy: s.Policy, nonceTag: true})
			tb.Open(t, page)
			WaitDemoReady(t, tb, page)
			assert.Equal(t, []string{"script-src-attr inline enforce"}, violationSet(chromium.RecordedViolations(t, tb)))
			got := outcomes(t, tb)
			assert.Equal(t, "loaded", got[views.CaseLearnImage])
			assert.Equal(t, "ran", got[views.CaseLearnScript])
			assert.Equal(t, "blocked", got[views.CaseLearnHandler])
		})
	}
}

// goRunSuggest runs `go run ./cmd/csp suggest --group learn` on the store
// in dataDir, with the showcase on, and returns its standard output and
// exit status.
func goRunSuggest(t *testing.T, dataDir string) (string, int) {
	t.Helper()
	cmd := exec.Command("go", "run", "./cmd/csp", "suggest", "--group", "learn")
	cmd.Dir = kitcopy.Root(t)
	cmd.Env = append(os.Environ(), "DATA_DIR="+dataDir, "SHOWCASE=on", "APP_ENV=development", "REDIS_URL=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	t.Logf("go run ./cmd/csp suggest --group learn: exit %d, stderr:\n%s", code, &stderr)
	return stdout.String(), code
}

func outcomes(t *testing.T, tb *chromium.Tab) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, c := range DemoCases(t, tb) {
		got[c.Name] = c.Outcome
	}
	return got
}

// violationSet is the distinct violations as "directive blocked
// disposition", sorted. Chromium raises an inline handler's twice: when it
// parses the attribute, and when the click runs it.
func violationSet(vs []chromium.PageViolation) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Directive+" "+v.Blocked+" "+v.Disposition)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// serveApplied serves the learn page as the kit does, then applies the
// change: the report-only header is replaced by policy, enforced, with
// this response's nonce and the kit's report URL (the view's id included,
// so the page still hears its reports), and the script's tag gets the
// nonce when a.nonceTag says so.
func serveApplied(t *testing.T, w http.ResponseWriter, r *http.Request, kit http.Handler, a applied, other string) {
	rec := httptest.NewRecorder()
	kit.ServeHTTP(rec, r)
	sent, err := csp.ParseLenient(rec.Header().Get(csp.HeaderCSPReportOnly))
	i := slices.IndexFunc(sent.Sources(csp.ScriptSrc), func(s csp.Source) bool { return s.Kind() == csp.NonceSource })
	if err != nil || i < 0 {
		t.Errorf("the learn page's report-only header: %v, nonce at %d", err, i)
		http.Error(w, "test: no report-only header", http.StatusInternalServerError)
		return
	}
	nonce := sent.Sources(csp.ScriptSrc)[i]
	enforced := csp.New()
	for _, d := range a.policy.Directives() {
		var sources []csp.Source
		for _, s := range a.policy.Sources(d) {
			if s == csp.Nonce {
				s = nonce
			}
			sources = append(sources, s)
		}
		enforced = enforced.Set(d, sources...)
	}
	for _, d := range []csp.Directive{csp.ReportURI, csp.ReportTo} {
		if sent.Has(d) {
			enforced = enforced.Set(d, sent.Sources(d)...)
		}
	}
	h := w.Header()
	for name, v := range rec.Header() {
		h[name] = v
	}
	h.Del(csp.HeaderCSPReportOnly)
	h.Set(csp.HeaderCSP, enforced.String())
	body := rec.Body.String()
	if a.nonceTag {
		v, _ := nonce.NonceValue()
		tag := `<script src="` + other + `/demo/learn/third-party.js">`
		if strings.Count(body, tag) != 1 {
			t.Errorf("the learn page has %d copies of %s", strings.Count(body, tag), tag)
		}
		body = strings.Replace(body, tag, strings.TrimSuffix(tag, ">")+` nonce="`+v+`">`, 1)
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write([]byte(body))
}
