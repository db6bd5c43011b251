package e2e_test

import (
	"log/slog"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/server"
	"github.com/noncekit/noncekit/internal/testsupport/chromium"
)

func TestMain(m *testing.M) { os.Exit(chromium.Main(m)) }

// startKit serves the kit's router, built with its defaults, over http or
// https for the length of the test.
func startKit(t *testing.T, scheme string) *chromium.Kit {
	t.Helper()
	srv, err := server.New(slog.New(slog.DiscardHandler), config.Config{}, server.Options{})
	require.NoError(t, err)
	return chromium.Serve(t, scheme, srv)
}
