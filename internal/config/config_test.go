package config

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	require.NoError(t, err)
	assert.Equal(t, Config{Addr: "localhost:8080", DataDir: "./data", LogLevel: slog.LevelInfo, LogFormat: "text"}, c)
}

func TestFromEnv(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"ADDR": ":9000", "DATA_DIR": "/var/lib/app", "LOG_LEVEL": "debug", "LOG_FORMAT": "JSON", "DEV": "true", "NONCEKIT_BENCH_ROUTES": "1"}))
	require.NoError(t, err)
	assert.Equal(t, Config{Addr: ":9000", DataDir: "/var/lib/app", LogLevel: slog.LevelDebug, LogFormat: "json", Dev: true, BenchRoutes: true}, c)
}

func TestBadValuesNameTheVariable(t *testing.T) {
	for k, v := range map[string]string{"LOG_LEVEL": "loud", "LOG_FORMAT": "xml", "DEV": "maybe", "NONCEKIT_BENCH_ROUTES": "yes please"} {
		_, err := FromEnv(env(map[string]string{k: v}))
		require.Error(t, err, k)
		assert.Contains(t, err.Error(), k+`="`+v+`"`)
	}
}
