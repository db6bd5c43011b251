package server

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/internal/testsupport/servertest"
)

// TestNonceCoverage requests every GET route of the skeleton (and the
// error pages) and checks each HTML response with csptest. The skeleton
// has no deliberate exception: every page is clean.
func TestNonceCoverage(t *testing.T) {
	t.Parallel()
	html := servertest.AssertNonceCoverage(t, newTestServer(t, Options{}), nil)
	// Home, reports, sign-in and the error pages, over two schemes.
	assert.GreaterOrEqual(t, html, 8, "too few HTML pages were checked")
}
