package browser_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/showcase"
	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

// maxPhoneHeader bounds the site header on a phone, with the showcase's
// links in the navigation too: a wrapped row of links, not a vertical stack
// filling the first screen.
const maxPhoneHeader = 140

// TestScreens renders the showcase's pages on a laptop and on a phone,
// after their scripts have judged every panel, and checks what a visitor
// sees: nothing scrolls sideways, the header stays compact on the phone,
// the live demo's tinted panels are in the first screen, the report-only
// twin says its script ran and was reported, and the lab's preview is shown
// whole. It saves screenshots (chromium.ScreenshotDir) for a person to look at.
func TestScreens(t *testing.T) {
	t.Parallel()
	k := startKit(t, "http")
	const demoReady, labReady = `document.body?.dataset.demoReady === "true"`, `document.body?.dataset.labReady === "true"`
	pages := []screenPage{
		{"demo", "/demo", "", demoReady, checkLiveDemo},
		{"demo-report-only", "/demo/report-only", "", demoReady, checkReportOnly},
		{"catalogue", "/demo/catalogue", "", `document.readyState === "complete"`, nil},
		{"demo-report-only-beside", "/demo/report-only-beside", "", demoReady, nil},
		{"lab", "/lab", "", labReady, checkLab},
		{"lab-weak", "/lab", "default-src * data: 'unsafe-inline' 'unsafe-eval'", labReady, nil},
	}
	// And every other page of the catalogue, once its panels are judged.
	for _, d := range showcase.Catalogue {
		if !d.Unlisted && !slices.ContainsFunc(pages, func(p screenPage) bool { return p.path == "/demo/"+d.Slug }) {
			pages = append(pages, screenPage{name: "demo-" + d.Slug, path: "/demo/" + d.Slug, ready: demoReady})
		}
	}
	for _, v := range chromium.Viewports() {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			tb := chromium.NewTab(t)
			tb.SetViewport(t, v)
			for _, p := range pages {
				if p.policy != "" {
					// The lab form's own request, with the session cookie
					// the previous visit to /lab set.
					status := chromium.Eval[int](t, tb, `fetch("/lab", {method: "POST", redirect: "manual",
						body: new URLSearchParams({policy: `+strconv.Quote(p.policy)+`})}).then((r) => r.status)`)
					require.Equal(t, 0, status, "an opaque redirect (303) was expected")
				}
				tb.Open(t, k.URL+p.path)
				chromium.WaitUntil(t, tb, p.ready, "%s never got ready", p.path)
				chromium.AssertNoHorizontalOverflow(t, tb, p.path, v)
				if v.Mobile {
					header := chromium.Eval[float64](t, tb, `document.querySelector(".site-header").getBoundingClientRect().height`)
					assert.LessOrEqual(t, header, float64(maxPhoneHeader), "%s: the header takes %.0f px of the phone's first screen", p.path, header)
				}
				if p.check != nil {
					p.check(t, tb, v)
				}
				t.Logf("%s: %s", p.path, chromium.Screenshot(t, tb, "showcase-"+p.name, v))
			}
		})
	}
}

// screenPage is a page TestScreens renders.
type screenPage struct {
	name, path string
	policy     string // for the lab: the policy to try first
	ready      string // a JavaScript expression, true once the page's script is done
	check      func(t *testing.T, tb *chromium.Tab, v chromium.Viewport)
}

// panelLook is a live-demo panel as the visitor sees it.
type panelLook struct {
	Name       string  `json:"name"`
	Outcome    string  `json:"outcome"`
	Verdict    string  `json:"verdict"`
	Label      string  `json:"label"`
	Background string  `json:"background"`
	Top        float64 `json:"top"`
}

func panels(t *testing.T, tb *chromium.Tab) []panelLook {
	t.Helper()
	return chromium.Eval[[]panelLook](t, tb, `Array.from(document.querySelectorAll("[data-demo]"), (p) => ({
		name: p.dataset.demo, outcome: p.dataset.outcome || "", verdict: p.dataset.verdict || "",
		label: p.querySelector("[data-outcome-label]")?.textContent || "",
		background: getComputedStyle(p).backgroundColor, top: p.getBoundingClientRect().top}))`)
}

// checkLiveDemo: on a laptop the panels start in the first screen, and
// each card is tinted by its verdict, unlike a plain card: every outcome
// the policy promises (blocked, ran, applied) in the one colour of "safe",
// whatever it is, and its badge says it in words.
func checkLiveDemo(t *testing.T, tb *chromium.Tab, v chromium.Viewport) {
	t.Helper()
	ps := panels(t, tb)
	require.NotEmpty(t, ps)
	if !v.Mobile {
		// Half a screen: the first row of panels shows its tint and its label.
		assert.LessOrEqual(t, ps[0].Top, float64(v.Height)/2, "/demo: the first panel starts %.0f px down, below the first half-screen", ps[0].Top)
	}
	plain := chromium.Eval[string](t, tb, `getComputedStyle(document.querySelector(".loop .card")).backgroundColor`)
	outcomes := map[string]bool{}
	for _, p := range ps {
		assert.NotEqual(t, plain, p.Background, "/demo: panel %s (%s) has a plain card's background", p.Name, p.Outcome)
		assert.Equal(t, "as-promised", p.Verdict, "/demo: panel %s", p.Name)
		assert.Equal(t, ps[0].Background, p.Background, "/demo: panel %s (%s) is tinted unlike %s (%s), though both are safe", p.Name, p.Outcome, ps[0].Name, ps[0].Outcome)
		assert.Equal(t, p.Outcome, p.Label, "/demo: panel %s says what happened", p.Name)
		outcomes[p.Outcome] = true
	}
	assert.Len(t, outcomes, 3, "/demo shows blocked, ran and applied: %v", outcomes)
}

// checkReportOnly: the un-nonced script ran and the page's violation event
// says it was reported, and the panel says both; report-only promises
// exactly that, so it reads as safe as the rest.
func checkReportOnly(t *testing.T, tb *chromium.Tab, _ chromium.Viewport) {
	t.Helper()
	byName := map[string]panelLook{}
	for _, p := range panels(t, tb) {
		byName[p.Name] = p
	}
	a := byName["inline-script"]
	assert.Equal(t, "reported", a.Outcome)
	assert.Equal(t, "ran, and reported", a.Label)
	assert.Equal(t, "applied, and reported", byName["inline-style"].Label)
	assert.Equal(t, byName["nonced-inline-script"].Background, a.Background, "report-only keeps its promise too: the same tint")
}

// checkLab: the preview frame shows all of its content, the lab's reading
// included, and each result is judged by safety.
func checkLab(t *testing.T, tb *chromium.Tab, _ chromium.Viewport) {
	t.Helper()
	frame := chromium.Eval[struct {
		Content float64 `json:"content"`
		Frame   float64 `json:"frame"`
		Results int     `json:"results"`
	}](t, tb, `(() => {
		const f = document.querySelector("iframe[data-lab-preview]");
		const d = f.contentDocument;
		return {content: d.documentElement.scrollHeight, frame: f.clientHeight,
			results: d.querySelectorAll("[data-probe] .probe-result").length};
	})()`)
	assert.LessOrEqual(t, frame.Content, frame.Frame, "the lab's preview is cut off: its content is %.0f px in a %.0f px frame", frame.Content, frame.Frame)
	assert.Equal(t, 10, frame.Results, "every probe card of the preview shows its result")
	verdicts := chromium.Eval[map[string]string](t, tb, `Object.fromEntries([...document.querySelectorAll("[data-probe-row]")]
		.map((r) => [r.dataset.probeRow, r.dataset.verdict]))`)
	// The lab starts with the strict preset: the injected script is blocked
	// (safe), the site's own nonced script runs (works).
	assert.Equal(t, "safe", verdicts["inline-script"])
	assert.Equal(t, "works", verdicts["nonced-script"])
}
