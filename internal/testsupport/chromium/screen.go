package chromium

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Viewport is a screen a page must read well on.
type Viewport struct {
	Name          string // in screenshot file names: "desktop", "phone"
	Width, Height int64  // CSS pixels
	Mobile        bool   // emulate a phone: the viewport meta tag applies
}

// Viewports are the screens the screenshot tests render every page at: a
// laptop and a phone.
func Viewports() []Viewport {
	return []Viewport{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}}
}

// SetViewport makes the tab render at v from its next navigation on.
func (tb *Tab) SetViewport(t *testing.T, v Viewport) {
	t.Helper()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
	if v.Mobile {
		opts = append(opts, chromedp.EmulateMobile)
	}
	require.NoError(t, chromedp.Do(tb.ctx, chromedp.EmulateViewport(v.Width, v.Height, opts...)))
}

// ScreenshotDir is where screenshots go: $SCREENSHOT_DIR when set (a CI
// job keeps it as an artifact), else noncekit-screenshots in the system's
// temporary directory, overwritten by each run.
func ScreenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "noncekit-screenshots")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// Screenshot writes a PNG of the tab's whole page, named for name and v
// (name-v.png), and returns its path. The top Height pixels are the first
// screen a visitor sees.
func Screenshot(t *testing.T, tb *Tab, name string, v Viewport) string {
	t.Helper()
	file := filepath.Join(ScreenshotDir(t), strings.NewReplacer("/", "_", " ", "_").Replace(name)+"-"+v.Name+".png")
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err, "screenshot of %s", name)
	require.NoError(t, os.WriteFile(file, png, 0o644))
	return file
}

// AssertNoHorizontalOverflow checks that the page is no wider than the
// screen: nothing makes a visitor scroll sideways. It measures against the
// viewport's width, not the window's: a phone browser zooms out to fit a
// page that is too wide, and its window then reports the page's width.
func AssertNoHorizontalOverflow(t *testing.T, tb *Tab, page string, v Viewport) {
	t.Helper()
	w := Eval[struct {
		Scroll int64  `json:"scroll"`
		Widest string `json:"widest"`
	}](t, tb, `((inner) => {
		// An element inside a box that scrolls or clips (a <pre>, a table's
		// wrapper) may reach past the edge without widening the page.
		const inBox = (el) => {
			for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
				if (getComputedStyle(a).overflowX !== "visible") return true;
			}
			return false;
		};
		// Elements, then text, which can run out of a box that fits.
		let widest = "";
		const describe = (el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "");
		for (const el of document.body.querySelectorAll("*")) {
			const r = el.getBoundingClientRect();
			if (r.right > inner + 0.5 && !inBox(el)) {
				widest = describe(el) + " (right edge " + Math.round(r.right) + ")";
				break;
			}
		}
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let text = walk.nextNode(); text && !widest; text = walk.nextNode()) {
			const range = document.createRange();
			range.selectNodeContents(text);
			const r = range.getBoundingClientRect();
			if (r.right > inner + 0.5 && !inBox(text.parentElement) && getComputedStyle(text.parentElement).overflowX === "visible") {
				widest = "text " + JSON.stringify(text.data.trim().slice(0, 40)) + " in " + describe(text.parentElement) + " (right edge " + Math.round(r.right) + ")";
			}
		}
		return {scroll: document.documentElement.scrollWidth, widest};
	})(`+strconv.FormatInt(v.Width, 10)+`)`)
	assert.LessOrEqual(t, w.Scroll, v.Width, "%s at %s (%dx%d): the page scrolls sideways; first element past the edge: %s",
		page, v.Name, v.Width, v.Height, w.Widest)
}
