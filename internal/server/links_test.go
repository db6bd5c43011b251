package server

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var hrefRE = regexp.MustCompile(`<a\b[^>]*\bhref="([^"]+)"`)

// TestHomeLinksResolve follows every link of the home page (its cards and
// the navigation): each answers, none is a dangling link to a page that is
// gone (after `make remove-showcase`, say).
func TestHomeLinksResolve(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	rec := get(t, s, "/")
	require.Equal(t, http.StatusOK, rec.Code)
	links := hrefRE.FindAllStringSubmatch(rec.Body.String(), -1)
	require.NotEmpty(t, links)
	for _, m := range links {
		href := m[1]
		if !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") {
			continue // another site's page
		}
		code := get(t, s, href).Code
		assert.True(t, code < 400, "the home page links %s, which answers %d", href, code)
	}
}
