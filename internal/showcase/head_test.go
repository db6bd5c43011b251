package showcase_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/internal/testsupport/servertest"
)

// TestEveryGetRouteAnswersHead: every showcase page answers HEAD like GET,
// without a body.
func TestEveryGetRouteAnswersHead(t *testing.T) {
	t.Parallel()
	n := servertest.AssertHeadMatchesGet(t, newTestServer(t))
	assert.Greater(t, n, 10, "too few GET routes were checked")
}
