package database

import (
	"testing"

	"github.com/noncekit/noncekit/internal/database/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
