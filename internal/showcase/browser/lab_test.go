package browser_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

// TestLabProbes checks the policy lab's claims in the browser: for each
// preset policy, the table the lab fills in says what the preview's probes
// really did under that exact policy.
func TestLabProbes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy string
		want   map[string]string
		// verdicts: how the lab colours some results, by safety: the same
		// outcome of an injected script is safe blocked, unsafe run.
		verdicts map[string]string
	}{
		{"strict", "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'",
			map[string]string{
				"inline-script": "blocked", "nonced-script": "ran", "external-script": "blocked", "dynamic-script": "ran",
				"eval": "blocked", "inline-style": "blocked", "style-attr": "blocked", "inline-handler": "blocked",
				"base": "blocked", "object": "blocked", "framing": "allowed",
			},
			map[string]string{"inline-script": "safe", "nonced-script": "works", "eval": "safe", "framing": "neutral"}},
		{"allowlist", "default-src 'self'; object-src 'none'",
			map[string]string{
				"inline-script": "blocked", "nonced-script": "blocked", "external-script": "ran", "dynamic-script": "untested",
				"eval": "untested", "inline-style": "blocked", "style-attr": "blocked", "inline-handler": "blocked",
				"base": "applied", "object": "blocked", "framing": "allowed",
			},
			map[string]string{"external-script": "unsafe", "nonced-script": "breaks", "base": "unsafe", "dynamic-script": "neutral"}},
		{"anything goes", "default-src * data: 'unsafe-inline' 'unsafe-eval'",
			map[string]string{
				"inline-script": "ran", "nonced-script": "ran", "external-script": "ran", "dynamic-script": "ran",
				"eval": "ran", "inline-style": "applied", "style-attr": "applied", "inline-handler": "ran",
				"base": "applied", "object": "loaded", "framing": "allowed",
			},
			map[string]string{"inline-script": "unsafe", "eval": "unsafe", "inline-style": "unsafe", "object": "unsafe", "nonced-script": "works"}},
		{"refuses framing", "default-src 'self'; frame-ancestors 'none'",
			map[string]string{"framing": "refused", "inline-script": "not readable"},
			map[string]string{"framing": "safe", "inline-script": "neutral"}},
	}
	k := startKit(t, "http")
	tb := chromium.NewTab(t)
	tb.Open(t, k.URL+"/lab") // a session cookie for the POSTs below
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The form's own request: same-origin, with the session cookie.
			status := chromium.Eval[int](t, tb, `fetch("/lab", {method: "POST", redirect: "manual",
				body: new URLSearchParams({policy: `+strconv.Quote(tt.policy)+`})}).then((r) => r.status)`)
			require.Equal(t, 0, status, "an opaque redirect (303) was expected") // redirect: "manual"
			tb.Open(t, k.URL+"/lab")
			chromium.WaitUntil(t, tb, `document.body?.dataset.labReady === "true"`, "the lab never filled its table")
			assertDemoPageSound(t, tb, k.URL+"/lab")
			got := chromium.Eval[map[string]string](t, tb, `Object.fromEntries([...document.querySelectorAll("[data-probe-row]")]
				.map((r) => [r.dataset.probeRow, r.dataset.outcome]))`)
			for probe, want := range tt.want {
				assert.Equal(t, want, got[probe], "%s: probe %s", tt.name, probe)
			}
			verdicts := chromium.Eval[map[string]string](t, tb, `Object.fromEntries([...document.querySelectorAll("[data-probe-row]")]
				.map((r) => [r.dataset.probeRow, r.dataset.verdict]))`)
			for probe, want := range tt.verdicts {
				assert.Equal(t, want, verdicts[probe], "%s: verdict of probe %s (%s)", tt.name, probe, got[probe])
			}
		})
	}
}
