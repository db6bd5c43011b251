package database

import (
	"testing"

	"github.com/noncekit/noncekit/internal/testsupport/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
