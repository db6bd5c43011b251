package server

import (
	"testing"

	"github.com/noncekit/noncekit/internal/testsupport/pgtest"
)

// The several-instance tests share one throwaway PostgreSQL server per
// test binary (a new database each).
func TestMain(m *testing.M) { pgtest.Main(m) }
