package config

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	require.NoError(t, err)
	assert.Equal(t, Config{Addr: "localhost:8080", DataDir: "./data", LogLevel: slog.LevelInfo, LogFormat: "text", ReportRate: 20, ReportBurst: 100,
		ReportRetention: 30 * 24 * time.Hour, Showcase: true}, c)
	assert.Equal(t, "http", c.Scheme())
}

func TestFromEnv(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"ADDR": ":9000", "DATA_DIR": "/var/lib/app", "LOG_LEVEL": "debug", "LOG_FORMAT": "JSON",
		"APP_ENV": "development", "TLS": "self-signed", "REPORT_RATE": "0.5", "REPORT_BURST": "7", "REPORT_RETENTION": "168h",
		"BEHIND_TLS_PROXY": "true", "REDIS_URL": "redis://127.0.0.1:6379/0", "NONCEKIT_BENCH_ROUTES": "1"}))
	require.NoError(t, err)
	assert.Equal(t, Config{Addr: ":9000", DataDir: "/var/lib/app", LogLevel: slog.LevelDebug, LogFormat: "json",
		TLS: TLSSelfSigned, ReportRate: 0.5, ReportBurst: 7, ReportRetention: 7 * 24 * time.Hour,
		BehindTLSProxy: true, RedisURL: "redis://127.0.0.1:6379/0", BenchRoutes: true, Showcase: true}, c)
	assert.Equal(t, "https", c.Scheme())
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
	c, err := FromEnv(env(map[string]string{"TLS": "self-signed"}))
	require.NoError(t, err)
	assert.True(t, c.HTTPS(), "serving TLS itself is https too")
}

func TestBenchRoutesNeverInProduction(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"APP_ENV": "production"}))
	require.NoError(t, err)
	assert.True(t, c.Production)
	_, err = FromEnv(env(map[string]string{"APP_ENV": "production", "NONCEKIT_BENCH_ROUTES": "1"}))
	require.ErrorContains(t, err, "NONCEKIT_BENCH_ROUTES")
}

// TestShowcaseSetting: the showcase is on in development and off in
// production unless SHOWCASE says otherwise; a bad value names the setting.
func TestShowcaseSetting(t *testing.T) {
	tests := []struct {
		appEnv, showcase string
		want             bool
	}{
		{"", "", true},
		{"development", "off", false},
		{"production", "", false},
		{"production", "on", true},
		{"production", "true", true},
		{"production", "OFF", false},
	}
	for _, tt := range tests {
		c, err := FromEnv(env(map[string]string{"APP_ENV": tt.appEnv, "SHOWCASE": tt.showcase}))
		require.NoError(t, err)
		assert.Equal(t, tt.want, c.Showcase, "APP_ENV=%q SHOWCASE=%q", tt.appEnv, tt.showcase)
	}
	_, err := FromEnv(env(map[string]string{"SHOWCASE": "maybe"}))
	require.ErrorContains(t, err, `SHOWCASE="maybe"`)
}

func TestBadRedisURLHidesItsPassword(t *testing.T) {
	_, err := FromEnv(env(map[string]string{"REDIS_URL": "http://:s3cret@cache:6379/0"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "REDIS_URL=")
	assert.NotContains(t, err.Error(), "s3cret")
}

// TestReportRetention: a Go duration of at least an hour; anything else,
// a unitless number or a unit slip that would empty the dashboard, is a
// start-up error naming the setting.
func TestReportRetention(t *testing.T) {
	for v, want := range map[string]time.Duration{"720h": 720 * time.Hour, "1h": time.Hour, "2160h30m": 2160*time.Hour + 30*time.Minute} {
		c, err := FromEnv(env(map[string]string{"REPORT_RETENTION": v}))
		require.NoError(t, err, v)
		assert.Equal(t, want, c.ReportRetention, v)
	}
	for _, v := range []string{"30", "30d", "30m", "-720h", "0", "soon"} {
		_, err := FromEnv(env(map[string]string{"REPORT_RETENTION": v}))
		require.Error(t, err, v)
		assert.Contains(t, err.Error(), `REPORT_RETENTION="`+v+`"`)
		assert.Contains(t, err.Error(), "720h")
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	for k, v := range map[string]string{"LOG_LEVEL": "loud", "LOG_FORMAT": "xml", "APP_ENV": "staging", "TLS": "yes",
		"REPORT_RATE": "-1", "REPORT_BURST": "0", "BEHIND_TLS_PROXY": "yes please", "REDIS_URL": "localhost:6379",
		"NONCEKIT_BENCH_ROUTES": "yes please", "REPORT_RETENTION": "30 days"} {
		_, err := FromEnv(env(map[string]string{k: v}))
		require.Error(t, err, k)
		assert.Contains(t, err.Error(), k+`="`+v+`"`)
	}
}

func TestTLSFiles(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"TLS_CERT": "c.pem", "TLS_KEY": "k.pem"}))
	require.NoError(t, err)
	assert.Equal(t, TLSFiles, c.TLS)
	assert.Equal(t, "c.pem", c.TLSCert)
	assert.Equal(t, "k.pem", c.TLSKey)

	for name, m := range map[string]map[string]string{
		"cert without key":      {"TLS_CERT": "c.pem"},
		"key without cert":      {"TLS_KEY": "k.pem"},
		"self-signed and files": {"TLS": "self-signed", "TLS_CERT": "c.pem", "TLS_KEY": "k.pem"},
	} {
		_, err := FromEnv(env(m))
		assert.Error(t, err, name)
	}
	for _, off := range []string{"off", "false", ""} {
		c, err := FromEnv(env(map[string]string{"TLS": off}))
		require.NoError(t, err)
		assert.Equal(t, TLSOff, c.TLS)
	}
}
