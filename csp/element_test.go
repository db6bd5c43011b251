package csp

import (
	"bytes"
	"context"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestElementsCarryTheNonce: every element renders the nonce of the
// request context, escapes what it is given, and leaves out an empty
// integrity.
func TestElementsCarryTheNonce(t *testing.T) {
	ctx := templ.WithNonce(context.Background(), "n0nce")
	for _, tt := range []struct {
		name string
		c    templ.Component
		want string
	}{
		{"Script", Script("/js/app.js", "sha384-abc"), `<script src="/js/app.js" integrity="sha384-abc" nonce="n0nce"></script>`},
		{"ScriptDefer", ScriptDefer("/js/app.js", "sha384-abc"), `<script src="/js/app.js" integrity="sha384-abc" nonce="n0nce" defer></script>`},
		{"Stylesheet", Stylesheet("/css/app.css", "sha384-def"), `<link rel="stylesheet" href="/css/app.css" integrity="sha384-def" nonce="n0nce">`},
		{"no integrity", Script("https://cdn.example/x.js", ""), `<script src="https://cdn.example/x.js" nonce="n0nce"></script>`},
		{"escaped", Script(`/x.js"><script>alert(1)</script>`, `"`), `<script src="/x.js&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" integrity="&#34;" nonce="n0nce"></script>`},
		{"InlineScript", InlineScript(`document.body.dataset.ok = "1";`), `<script nonce="n0nce">document.body.dataset.ok = "1";</script>`},
		{"InlineStyle", InlineStyle(`p { color: teal; }`), `<style nonce="n0nce">p { color: teal; }</style>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, tt.c.Render(ctx, &b))
			assert.Equal(t, tt.want, b.String())
		})
	}
}

// TestInlineRefusesTextThatEndsTheElement: injected text that closes the
// element early would run outside it; the render fails instead.
func TestInlineRefusesTextThatEndsTheElement(t *testing.T) {
	ctx := templ.WithNonce(context.Background(), "n0nce")
	for _, c := range []templ.Component{
		InlineScript(`a()</script><script>evil()`),
		InlineScript(`a() </SCRIPT >`),
		InlineScript(`<!--`),
		InlineStyle(`p{}</style><script>evil()</script>`),
	} {
		var b bytes.Buffer
		assert.ErrorContains(t, c.Render(ctx, &b), "would end the element early")
		assert.Empty(t, b.String())
	}
}

// TestElementsOutsideANoncedGroup render an empty nonce, which matches no
// policy: the browser blocks them, and csptest says so.
func TestElementsOutsideANoncedGroup(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, InlineScript("a()").Render(context.Background(), &b))
	assert.Equal(t, `<script nonce="">a()</script>`, b.String())
}
