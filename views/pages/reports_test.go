package pages

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWrapAt checks what the reports table relies on: a path or URL gets a
// break opportunity after each separator and nowhere else, and stays
// escaped (it came from a browser's report).
func TestWrapAt(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"inline", "inline"},
		{"/", "/"},
		{"/a/b", "/a/<wbr>b"},
		{"/account/settings/", "/account/<wbr>settings/"},
		{"https://x.example/p?q=1&r=2", "https://<wbr>x.<wbr>example/<wbr>p?<wbr>q=<wbr>1&amp;<wbr>r=<wbr>2"},
		{"a..b", "a..<wbr>b"},
		{`/<script>"x"`, "/&lt;script&gt;&#34;x&#34;"},
	}
	for _, tt := range tests {
		var b strings.Builder
		require.NoError(t, wrapAt(tt.in).Render(context.Background(), &b))
		assert.Equal(t, tt.want, b.String(), "wrapAt(%q)", tt.in)
	}
}
