package main

import (
	"testing"

	"github.com/noncekit/noncekit/internal/testsupport/pgtest"
)

// The user command's tests run on PostgreSQL too, on one throwaway server
// per test binary.
func TestMain(m *testing.M) { pgtest.Main(m) }
