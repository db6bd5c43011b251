package report

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDocumentPath: the page part of an aggregate key, for the store
// and the log alike.
func TestDocumentPath(t *testing.T) {
	for in, want := range map[string]string{
		"http://x/a/b?q=1#f": "/a/b",
		"https://x":          "/",
		"http://x/a%0ab":     "/a%0ab",
		"/rel?x":             "/rel",
		"":                   "",
		"\\x00bad://%zz?x":   "\\x00bad://%zz",
	} {
		assert.Equal(t, want, DocumentPath(in), in)
	}
}
