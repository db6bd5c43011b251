package server

import (
	"flag"
	"testing"

	"github.com/noncekit/noncekit/internal/testsupport/servertest"
)

// update rewrites the golden files instead of comparing with them:
// `go test ./internal/server -update`, or `make snapshots`.
var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current router")

// TestPolicySnapshots pins the exact policy headers of every skeleton
// route over http and https in testdata/policies.golden.
func TestPolicySnapshots(t *testing.T) {
	t.Parallel()
	servertest.AssertPolicySnapshot(t, newTestServer(t, Options{}), "testdata/policies.golden", *update)
}
