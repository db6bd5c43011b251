package showcase_test

import (
	"flag"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp/csptest"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/server"
	"github.com/noncekit/noncekit/internal/showcase"
	"github.com/noncekit/noncekit/internal/testsupport/servertest"
	"github.com/noncekit/noncekit/static"
	views "github.com/noncekit/noncekit/views/showcase"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current router")

// inPanel exempts the elements with tag inside the demo case named name.
func inPanel(tag, name, reason string) csptest.Option {
	return csptest.Allow(csptest.All(csptest.Tag(tag), csptest.Inside("data-demo", name)), reason)
}

// inProbe exempts the elements with tag inside the lab preview's probe name.
func inProbe(tag, name string) csptest.Option {
	return csptest.Allow(csptest.All(csptest.Tag(tag), csptest.Inside("data-probe", name)),
		"the lab preview probes whether the learner's policy lets this run")
}

// exceptions lists, by route pattern, the problems a showcase page has on
// purpose: the catalogue's come from its table, the live demo's and the
// lab preview's are here. What the browser would allow (a listed hash,
// 'unsafe-hashes', style-src-attr) is not a problem, so only deliberately
// blocked elements are listed.
func exceptions() map[string][]csptest.Option {
	live := []csptest.Option{
		inPanel("script", views.CaseInlineScript, "the demo shows an injected, un-nonced inline script being blocked"),
		inPanel("style", views.CaseInlineStyle, "the demo shows an un-nonced inline style being blocked"),
	}
	out := map[string][]csptest.Option{
		"/demo/":            live,
		"/demo/report-only": live,
		// Opened as a page, the htmx demo's injected comment keeps its
		// scripts: there the un-nonced ones are blocked by the policy.
		"/demo/htmx/injected": {csptest.Allow(csptest.All(csptest.Tag("script"), csptest.Inside("data-fragment", "injected")),
			"the htmx demo's injected comment: scripts htmx must not run")},
		"/lab/preview": {
			inProbe("script", "inline-script"), inProbe("script", "external-script"),
			inProbe("style", "inline-style"), inProbe("div", "style-attr"), inProbe("button", "inline-handler"),
		},
	}
	for _, d := range showcase.Catalogue {
		for _, e := range d.Exceptions {
			o := inPanel(e.Tag, e.Case, e.Reason)
			if e.Src != "" {
				o = csptest.Allow(csptest.All(csptest.Tag(e.Tag), csptest.HasAttr("src", static.Path(e.Src))), e.Reason)
			}
			out[d.Path()] = append(out[d.Path()], o)
		}
	}
	return out
}

// TestNonceCoverage checks every page of the kit with the showcase mounted,
// each deliberately bad element allowed by name and reason.
func TestNonceCoverage(t *testing.T) {
	t.Parallel()
	html := servertest.AssertNonceCoverage(t, newTestServer(t), exceptions())
	assert.GreaterOrEqual(t, html, 2*(len(showcase.Catalogue)+4), "too few HTML pages were checked")
}

// TestPolicySnapshots pins the policy headers of every route with the
// showcase mounted (`make snapshots` rewrites it).
func TestPolicySnapshots(t *testing.T) {
	t.Parallel()
	servertest.AssertPolicySnapshot(t, newTestServer(t), "testdata/policies.golden", *update)
}

// TestProductionLeavesTheShowcaseOut: with APP_ENV=production the showcase
// is not mounted unless SHOWCASE=on: its pages answer 404 and sign-in shows
// no demo credentials. With SHOWCASE=on they are served again.
func TestProductionLeavesTheShowcaseOut(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		showcase string
		mounted  bool
	}{{"", false}, {"on", true}} {
		t.Run("SHOWCASE="+tt.showcase, func(t *testing.T) {
			cfg, err := config.FromEnv(func(k string) string {
				return map[string]string{"APP_ENV": "production", "SHOWCASE": tt.showcase, "DATA_DIR": t.TempDir()}[k]
			})
			require.NoError(t, err)
			cfg.DataDir = "" // sessions in memory
			var logs strings.Builder
			s, err := server.New(slog.New(slog.NewTextHandler(&logs, nil)), cfg, server.Options{})
			require.NoError(t, err, "the showcase's deliberate weaknesses are accepted, so production starts")
			want := http.StatusNotFound
			if tt.mounted {
				want = http.StatusOK
			}
			for _, path := range []string{"/demo", "/demo/catalogue", "/lab", "/demo/eval"} {
				assert.Equal(t, want, get(t, s, path).Code, path)
			}
			home := get(t, s, "/").Body.String()
			if tt.mounted {
				assert.Contains(t, home, `href="/demo"`)
				assert.Contains(t, logs.String(), "showcase mounted")
			} else {
				assert.NotContains(t, home, `href="/demo`)
				assert.NotContains(t, home, `href="/lab"`)
				assert.Contains(t, logs.String(), "showcase not mounted")
			}
		})
	}
}
