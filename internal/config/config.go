// Package config reads the kit's settings from the environment. Every
// setting has a default that works on a fresh clone; a value that cannot be
// parsed is a start-up error naming the variable, never a silent default.
package config

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
)

// Config holds the settings. The README lists them with their defaults.
type Config struct {
	// Addr is where the server listens (ADDR). Default "localhost:8080".
	Addr string
	// DataDir holds local state such as the database (DATA_DIR). It is
	// created when first needed. Default "./data".
	DataDir string
	// LogLevel is debug, info, warn or error (LOG_LEVEL). Default info.
	LogLevel slog.Level
	// LogFormat is text or json (LOG_FORMAT). Default text.
	LogFormat string
	// Dev turns on live reload for `make dev` (DEV=true). Default false.
	Dev bool
	// BehindTLSProxy says visitors reach the kit over https through a
	// proxy that terminates TLS (BEHIND_TLS_PROXY=true), so cookies are
	// marked Secure and take the __Host- prefix. Default false.
	BehindTLSProxy bool
	// RedisURL, when set, keeps sessions in Redis so several instances
	// share them (REDIS_URL, e.g. redis://127.0.0.1:6379/0). Default empty:
	// sessions live in the SQLite database in DataDir.
	RedisURL string
}

// HTTPS reports whether visitors reach the kit over https, so what it sets
// in their browser (cookies) must be https-only.
func (c Config) HTTPS() bool { return c.BehindTLSProxy }

// FromEnv reads the configuration through getenv (os.Getenv in main, a map
// in tests).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:      orDefault(getenv("ADDR"), "localhost:8080"),
		DataDir:   orDefault(getenv("DATA_DIR"), "./data"),
		LogFormat: strings.ToLower(orDefault(getenv("LOG_FORMAT"), "text")),
	}
	if err := c.LogLevel.UnmarshalText([]byte(orDefault(getenv("LOG_LEVEL"), "info"))); err != nil {
		return Config{}, fmt.Errorf("LOG_LEVEL=%q: want debug, info, warn or error", getenv("LOG_LEVEL"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return Config{}, fmt.Errorf("LOG_FORMAT=%q: want text or json", getenv("LOG_FORMAT"))
	}
	if v := getenv("DEV"); v != "" {
		dev, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("DEV=%q: want true or false", v)
		}
		c.Dev = dev
	}
	if v := getenv("BEHIND_TLS_PROXY"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("BEHIND_TLS_PROXY=%q: want true or false", v)
		}
		c.BehindTLSProxy = b
	}
	if v := getenv("REDIS_URL"); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			return Config{}, fmt.Errorf("REDIS_URL=%q: want redis://host:port/db or rediss://...", redact(v))
		}
		c.RedisURL = v
	}
	return c, nil
}

// Logger returns the slog logger the configuration asks for, writing to w.
func (c Config) Logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// redact hides a password in a URL that is about to be shown in an error.
func redact(v string) string {
	if u, err := url.Parse(v); err == nil {
		return u.Redacted()
	}
	return "(unparseable URL)"
}
