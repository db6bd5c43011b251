package browser_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

// badge reads a result's badge: its words and its background colour.
type badge struct {
	Words  string `json:"words"`
	Colour string `json:"colour"`
}

// TestBlockedInjectionsReadTheSame: what is good for the visitor looks
// good everywhere. The inline script without a nonce on /demo and the
// injected inline script of the policy lab's strict policy are both
// blocked: both badges are the same colour (the lab's colour for "safe"),
// and each says in words what happened. A nonced script that ran reads
// the same way.
func TestBlockedInjectionsReadTheSame(t *testing.T) {
	t.Parallel()
	k := startKit(t, "http")
	tb := chromium.NewTab(t)
	read := `(sel) => { const b = document.querySelector(sel); return {words: b.textContent.trim(), colour: getComputedStyle(b).backgroundColor}; }`

	tb.Open(t, k.URL+"/demo")
	WaitDemoReady(t, tb, k.URL+"/demo")
	demoBlocked := chromium.Eval[badge](t, tb, `(`+read+`)('[data-demo="inline-script"] [data-outcome-label]')`)
	demoRan := chromium.Eval[badge](t, tb, `(`+read+`)('[data-demo="nonced-inline-script"] [data-outcome-label]')`)
	assert.Equal(t, "blocked", demoBlocked.Words)
	assert.Equal(t, "ran", demoRan.Words)

	tb.Open(t, k.URL+"/lab")
	chromium.WaitUntil(t, tb, `document.body?.dataset.labReady === "true"`, "the lab never filled its table")
	lab := chromium.Eval[badge](t, tb, `(`+read+`)('[data-probe-row="inline-script"] [data-result]')`)
	require.Equal(t, "safe", chromium.Eval[string](t, tb, `document.querySelector('[data-probe-row="inline-script"]').dataset.verdict`),
		"the lab's default policy blocks the injected script")
	assert.Equal(t, "blocked", lab.Words)
	assert.Equal(t, lab.Colour, demoBlocked.Colour, "a blocked injection is the same colour on /demo and in the lab")
	assert.Equal(t, demoBlocked.Colour, demoRan.Colour, "good for the visitor either way: the same colour")
}
