package components

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/static"
)

// upstreamSRI is the sha384 htmx's README publishes for the release's
// dist/htmx.min.js (and the value of the file `npm pack htmx.org@2.0.11`
// unpacks). The vendored copy must still be that file, byte for byte.
const upstreamSRI = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"

func TestVendoredHTMXIsTheUpstreamRelease(t *testing.T) {
	assert.Equal(t, upstreamSRI, static.Integrity(HTMXFile), "static/%s is not htmx.org@%s's dist/htmx.min.js", HTMXFile, HTMXVersion)
	assert.NotEmpty(t, static.Integrity("js/vendor/htmx-"+HTMXVersion+".LICENSE.txt"), "the licence and provenance sit beside the file")
}

func render(t *testing.T, ctx context.Context, c templ.Component) string {
	t.Helper()
	var b strings.Builder
	require.NoError(t, c.Render(ctx, &b))
	return b.String()
}

var metaContent = regexp.MustCompile(`<meta name="([^"]+)" content="([^"]*)"`)

// TestHTMXConfigIsCSPSafe reads the configuration back as htmx does (the
// first <meta name="htmx-config">, parsed as JSON) and checks each choice
// the strict policy forces.
func TestHTMXConfigIsCSPSafe(t *testing.T) {
	out := render(t, templ.WithNonce(context.Background(), "n0nce"), HTMX())
	metas := metaContent.FindAllStringSubmatch(out, -1)
	require.Len(t, metas, 2)
	require.Equal(t, "htmx-config", metas[0][1], "the configuration comes first")
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(metas[0][2])), &got))
	want := map[string]any{
		"allowEval":                 false,
		"allowScriptTags":           false,
		"includeIndicatorStyles":    false,
		"inlineScriptNonce":         "",
		"inlineStyleNonce":          "",
		"attributesToSettle":        []any{"class", "width", "height"},
		"selfRequestsOnly":          true,
		"historyCacheSize":          float64(0),
		"refreshOnHistoryMiss":      true,
		"historyRestoreAsHxRequest": false,
	}
	assert.Equal(t, want, got)
	assert.Equal(t, HTMXConfig(), html.UnescapeString(metas[0][2]))
}

// TestHTMXScriptsAreNoncedWithSRI: both scripts load from static/ under
// their hashed names, with SRI and this response's nonce, deferred, htmx
// first.
func TestHTMXScriptsAreNoncedWithSRI(t *testing.T) {
	out := render(t, templ.WithNonce(context.Background(), "n0nce"), HTMX())
	var srcs []string
	for _, m := range regexp.MustCompile(`<script ([^>]*)></script>`).FindAllStringSubmatch(out, -1) {
		attrs := m[1]
		src := regexp.MustCompile(`src="([^"]+)"`).FindStringSubmatch(attrs)[1]
		srcs = append(srcs, src)
		assert.Contains(t, attrs, `nonce="n0nce"`, src)
		assert.Contains(t, attrs, " defer", src)
		assert.Regexp(t, `integrity="sha384-[A-Za-z0-9+/]{64}"`, attrs, src)
	}
	assert.Equal(t, []string{static.Path(HTMXFile), static.Path(htmxGuardFile)}, srcs)
	assert.Regexp(t, `^/static/js/vendor/htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js$`, srcs[0])
	assert.NotContains(t, out, "<style", "the indicator CSS is in app.css")
}

// TestPagePolicyHidesTheNonce: the guard compares policies without their
// nonce, and the nonce must never reach an attribute a CSS selector could
// read.
func TestPagePolicyHidesTheNonce(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
		want string
	}{
		{"no header in context", nil, ""},
		{"enforce only",
			http.Header{csp.HeaderCSP: {"script-src 'nonce-AbC+/9=' 'strict-dynamic'; style-src 'self' 'nonce-AbC+/9='"}},
			"script-src 'nonce-{nonce}' 'strict-dynamic'; style-src 'self' 'nonce-{nonce}'\n"},
		{"both headers",
			http.Header{csp.HeaderCSP: {"script-src 'nonce-x'"}, csp.HeaderCSPReportOnly: {"script-src 'nonce-x'; require-trusted-types-for 'script'"}},
			"script-src 'nonce-{nonce}'\nscript-src 'nonce-{nonce}'; require-trusted-types-for 'script'"},
		{"no nonce", http.Header{csp.HeaderCSP: {"default-src 'none'"}}, "default-src 'none'\n"},
		{"unterminated source left as is", http.Header{csp.HeaderCSP: {"script-src 'nonce-x"}}, "script-src 'nonce-x\n"},
		{"two header fields joined as XMLHttpRequest joins them",
			http.Header{csp.HeaderCSP: {"script-src 'nonce-a'", "img-src 'self'"}}, "script-src 'nonce-{nonce}', img-src 'self'\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.h != nil {
				ctx = WithResponseHeader(ctx, tt.h)
			}
			assert.Equal(t, tt.want, PagePolicy(ctx))
			out := render(t, ctx, HTMX())
			assert.Contains(t, out, `<meta name="noncekit-policy" content="`+html.EscapeString(tt.want)+`"`)
			for _, n := range []string{"AbC+/9=", "'nonce-x'", "'nonce-a'"} {
				assert.NotContains(t, out, n)
			}
		})
	}
}
