package e2e_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

var headerNonce = regexp.MustCompile(`'nonce-([^']+)'`)

// nonced is a script, style or stylesheet as the page's DOM shows it.
type nonced struct {
	Tag       string `json:"tag"`
	Attribute string `json:"attribute"` // getAttribute("nonce")
	Property  string `json:"property"`  // the .nonce IDL property
	Where     string `json:"where"`
	Src       string `json:"src"`
}

// TestNonceHiddenFromDOM checks the browser's promise: with a policy
// delivered in a header, the nonce attribute reads as empty to page scripts
// (so CSS selectors and injected scripts cannot exfiltrate it), while the
// element's .nonce property still holds the header's nonce.
func TestNonceHiddenFromDOM(t *testing.T) {
	t.Parallel()
	for _, scheme := range chromium.Schemes() {
		for _, path := range []string{"/", "/signin"} {
			t.Run(scheme+path, func(t *testing.T) {
				t.Parallel()
				k := startKit(t, scheme)
				tb := chromium.NewTab(t)
				resp := tb.Open(t, k.URL+path)
				m := headerNonce.FindStringSubmatch(chromium.Header(resp, csp.HeaderCSP))
				require.NotNil(t, m, "no nonce in the Content-Security-Policy header")
				nonce := m[1]

				els := chromium.Eval[[]nonced](t, tb, `Array.from(document.querySelectorAll(
					"script, style, link[rel~=stylesheet]"), (e) => ({tag: e.tagName.toLowerCase(),
					attribute: e.getAttribute("nonce") ?? "(none)", property: e.nonce,
					where: e.closest("[data-demo]")?.dataset.demo ?? "", src: e.src || e.href || ""}))`)
				require.GreaterOrEqual(t, len(els), 2, "too few nonced elements found")
				for _, e := range els {
					// null ("(none)") means the markup had no nonce at all;
					// a value means the browser failed to hide it.
					assert.Equal(t, "", e.Attribute, "<%s %s> (panel %q): getAttribute('nonce') should be hidden as \"\"", e.Tag, e.Src, e.Where)
					assert.Equal(t, nonce, e.Property, "<%s %s> (panel %q): .nonce differs from the header's nonce", e.Tag, e.Src, e.Where)
				}
			})
		}
	}
}
