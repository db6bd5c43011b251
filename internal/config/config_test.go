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
	c, err := FromEnv(env(map[string]string{"ADDR": ":9000", "DATA_DIR": "/var/lib/app", "LOG_LEVEL": "debug", "LOG_FORMAT": "JSON", "DEV": "true",
		"BEHIND_TLS_PROXY": "true", "REDIS_URL": "redis://127.0.0.1:6379/0"}))
	require.NoError(t, err)
	assert.Equal(t, Config{Addr: ":9000", DataDir: "/var/lib/app", LogLevel: slog.LevelDebug, LogFormat: "json", Dev: true,
		BehindTLSProxy: true, RedisURL: "redis://127.0.0.1:6379/0"}, c)
}

func TestHTTPS(t *testing.T) {
	for _, tt := range []struct {
		value string
		https bool
	}{{"", false}, {"false", false}, {"0", false}, {"true", true}, {"1", true}} {
		c, err := FromEnv(env(map[string]string{"BEHIND_TLS_PROXY": tt.value}))
		require.NoError(t, err)
		assert.Equal(t, tt.https, c.BehindTLSProxy, "BEHIND_TLS_PROXY=%q", tt.value)
		assert.Equal(t, tt.https, c.HTTPS(), "BEHIND_TLS_PROXY=%q", tt.value)
	}
}

func TestBadRedisURLHidesItsPassword(t *testing.T) {
	_, err := FromEnv(env(map[string]string{"REDIS_URL": "http://:s3cret@cache:6379/0"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "REDIS_URL=")
	assert.NotContains(t, err.Error(), "s3cret")
}

func TestBadValuesNameTheVariable(t *testing.T) {
	for k, v := range map[string]string{"LOG_LEVEL": "loud", "LOG_FORMAT": "xml", "DEV": "maybe", "BEHIND_TLS_PROXY": "yes please", "REDIS_URL": "localhost:6379"} {
		_, err := FromEnv(env(map[string]string{k: v}))
		require.Error(t, err, k)
		assert.Contains(t, err.Error(), k+`="`+v+`"`)
	}
}
