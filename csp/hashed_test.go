package csp

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHashedRendersWithoutNonceAndMatchesItsHash(t *testing.T) {
	tests := []struct {
		name string
		h    Hashed
		tag  string
		body string
	}{
		{"script", HashedScript(`document.body.dataset.x = "1";`), "script", `document.body.dataset.x = "1";`},
		{"style", HashedStyle(`p { color: red; }`), "style", `p { color: red; }`},
		{"unicode and spaces count", HashedScript(" // é \n"), "script", " // é \n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := templ.WithNonce(context.Background(), "abc")
			var b strings.Builder
			require.NoError(t, tt.h.Render(ctx, &b))
			assert.Equal(t, "<"+tt.tag+">"+tt.body+"</"+tt.tag+">", b.String(), "no nonce attribute, body verbatim")
			sum := sha256.Sum256([]byte(tt.body))
			assert.Equal(t, Source("'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'"), tt.h.Hash())
		})
	}
}

func TestHashedRefusesContentThatClosesTheElement(t *testing.T) {
	for _, body := range []string{"</script><script>x()", "a<!--b", "</SCRIPT >"} {
		assert.Panics(t, func() { HashedScript(body) }, body)
	}
	assert.Panics(t, func() { HashedStyle("</style>") })
}

func TestHashesCollectsEachHashOnce(t *testing.T) {
	var r Hashes
	a := r.Script("a()")
	r.Script("a()")
	b := r.Script("b()")
	s := r.Style("p{}")
	assert.Equal(t, []Source{a.Hash(), b.Hash()}, r.ScriptHashes())
	assert.Equal(t, []Source{s.Hash()}, r.StyleHashes())
	// The lists are copies: a caller cannot change the registry.
	r.ScriptHashes()[0] = "x"
	assert.Equal(t, a.Hash(), r.ScriptHashes()[0])
}
