package components

import (
	"bytes"
	"context"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/static"
)

func TestFileComponents(t *testing.T) {
	t.Parallel()
	ctx := templ.WithNonce(context.Background(), "n0nce")
	css, js := static.Path("css/app.css"), static.Path("js/site.js")
	cssSRI, jsSRI := static.Integrity("css/app.css"), static.Integrity("js/site.js")
	for _, tt := range []struct {
		name string
		c    templ.Component
		want string
	}{
		{"Script", Script("js/site.js"), `<script src="` + js + `" integrity="` + jsSRI + `" nonce="n0nce"></script>`},
		{"ScriptDefer", ScriptDefer("js/site.js"), `<script src="` + js + `" integrity="` + jsSRI + `" nonce="n0nce" defer></script>`},
		{"Stylesheet", Stylesheet("css/app.css"), `<link rel="stylesheet" href="` + css + `" integrity="` + cssSRI + `" nonce="n0nce">`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, tt.c.Render(ctx, &b))
			assert.Equal(t, tt.want, b.String())
			assert.Regexp(t, `^/static/.+\.[0-9a-f]{12}\.(js|css)$`, js, "the URL is content-hashed")
		})
	}
}

// TestMissingFileFailsTheRender: a component naming a file that is not
// under static/ renders nothing and returns an error naming the component
// and the file, so the page answers 500 and its log line says what to fix,
// rather than shipping integrity="" and a 404.
func TestMissingFileFailsTheRender(t *testing.T) {
	t.Parallel()
	ctx := templ.WithNonce(context.Background(), "n0nce")
	for _, tt := range []struct {
		c    templ.Component
		want string
	}{
		{Script("js/no-such-file.js"), `components.Script("js/no-such-file.js"): there is no static/js/no-such-file.js`},
		{ScriptDefer("js/no-such-file.js"), `components.ScriptDefer("js/no-such-file.js"): there is no static/js/no-such-file.js`},
		{Stylesheet("css/no-such-file.css"), `components.Stylesheet("css/no-such-file.css"): there is no static/css/no-such-file.css`},
		{Script("/static/js/site.js"), `components.Script("/static/js/site.js"): name the file as it sits under static/, as in "js/site.js"`},
		{Stylesheet("static/css/app.css"), `name the file as it sits under static/`},
		{Script(""), `components.Script(""): there is no static/`},
	} {
		t.Run(tt.want, func(t *testing.T) {
			var b bytes.Buffer
			err := tt.c.Render(ctx, &b)
			require.ErrorContains(t, err, tt.want)
			assert.Empty(t, b.String(), "nothing is written for a missing file")
		})
	}
}
