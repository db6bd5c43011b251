package csptest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// templFixture is a small module's views, as templ fmt writes them.
var templFixture = map[string]string{
	"views/pages/about.templ": `package pages

templ About() {
	<h1>About</h1>
	<button onclick="go()">Go</button>
	<p style="color: red">Red</p>
	<a href="javascript:void(0)">Nowhere</a>
	<script src="https://cdn.example.com/x.js"></script>
	<button onclick={ templ.JSFuncCall("later") }>Later</button>
	<button
		type="button"
		data-kind="split"
		onclick="split()"
	>Split</button>
	<script>one()</script>
}
`,
	"views/pages/more.templ": `package pages

templ More() {
	<script>two()</script>
	<script>three()</script>
	<script>four()</script>
}
`,
	// Hidden directories are not the kit's sources.
	".cache/stale.templ": `<button onclick="go()">Go</button>`,
}

// TestFailureNamesTheTemplLine: a problem whose attributes are written
// literally in a .templ file is reported with that file and line; one
// whose value comes from an expression, or whose element is written in
// too many places to tell, is only quoted.
func TestFailureNamesTheTemplLine(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for name, body := range templFixture {
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, name), []byte(body), 0o644))
	}
	lines := readTempl(root)

	for _, tt := range []struct {
		name, body string
		kind       Kind
		want       []string
	}{
		{"inline handler", `<button onclick="go()">Go</button>`, InlineHandler, []string{"views/pages/about.templ:5"}},
		{"style attribute", `<p style="color: red">Red</p>`, StyleAttribute, []string{"views/pages/about.templ:6"}},
		{"javascript: URL", `<a href="javascript:void(0)">Nowhere</a>`, JavaScriptURL, []string{"views/pages/about.templ:7"}},
		{"missing nonce on a src", `<script src="https://cdn.example.com/x.js"></script>`, MissingNonce, []string{"views/pages/about.templ:8"}},
		{"attributes on lines of their own", `<button type="button" data-kind="split" onclick="split()">Split</button>`, InlineHandler, []string{"views/pages/about.templ:13"}},
		{"a value from an expression is not in the source", `<button onclick="later()">Later</button>`, InlineHandler, nil},
		{"<script> is written in too many places to tell", `<script>one()</script>`, MissingNonce, nil},
		{"a handler nowhere in the sources", `<button onclick="gone()">Gone</button>`, InlineHandler, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ps := Check(nonced(), page(tt.body))
			require.Len(t, ps, 1, "problems: %v", ps)
			require.Equal(t, tt.kind, ps[0].Kind)
			assert.Equal(t, tt.want, placesIn(lines, ps[0].needles))
		})
	}

	// "<script>" matches four lines: more than maxPlaces, so no hint.
	assert.Nil(t, placesIn(lines, []string{"<script>"}))
	assert.Len(t, placesIn(lines, []string{`src="https://cdn.example.com/x.js"`}), 1)
}

func TestMessageNamesThePlace(t *testing.T) {
	t.Parallel()
	p := Problem{Kind: InlineHandler, Line: 1, Col: 40, Element: `<button onclick="go()">`, Detail: "attach it with addEventListener"}
	assert.Equal(t, `GET /about: line 1 col 40: <button onclick="go()">: inline event handler: attach it with addEventListener (written at views/pages/about.templ:5)`,
		message("GET /about", p, []string{"views/pages/about.templ:5"}))
	assert.Equal(t, `GET /about: line 1 col 40: <button onclick="go()">: inline event handler: attach it with addEventListener`,
		message("GET /about", p, nil))
}
