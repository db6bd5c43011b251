// Package config reads the kit's settings from the environment. Every
// setting has a default that works on a fresh clone; a value that cannot be
// parsed is a start-up error naming the variable, never a silent default.
package config

import (
	"fmt"
	"io"
	"log/slog"
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
	// BenchRoutes adds /bench/plain (no policy at all) and /bench/csp (the
	// site policy), both serving the home page, so `make load` can measure
	// what the security middleware costs (NONCEKIT_BENCH_ROUTES=1). Never
	// set it in production: /bench/plain is a page without a policy.
	BenchRoutes bool
}

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
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"DEV", &c.Dev}, {"NONCEKIT_BENCH_ROUTES", &c.BenchRoutes}} {
		if v := getenv(b.name); v != "" {
			on, err := strconv.ParseBool(v)
			if err != nil {
				return Config{}, fmt.Errorf("%s=%q: want true or false", b.name, v)
			}
			*b.dst = on
		}
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
