// Package config reads the kit's settings from the environment. Every
// setting has a default that works on a fresh clone; a value that cannot be
// parsed is a start-up error naming the variable, never a silent default.
package config

import (
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
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
	// Production (APP_ENV=production) runs the deploy checks at start
	// (package deploycheck, `noncekit check`): an error among them, such as
	// a High policy lint finding or session cookies without Secure, stops
	// the start. Default APP_ENV=development.
	Production bool
	// TLS is how the server serves HTTPS (TLS): TLSOff (plain http),
	// TLSSelfSigned (a localhost certificate generated into DataDir, for
	// local work: browsers send Reporting API reports only over https) or
	// TLSFiles (TLS_CERT and TLS_KEY, set together, imply it).
	TLS TLSMode
	// TLSCert and TLSKey are PEM files of a real certificate and its key
	// (TLS_CERT, TLS_KEY).
	TLSCert, TLSKey string
	// ReportRate and ReportBurst limit CSP violations per client: ReportBurst
	// at once, then ReportRate per second (REPORT_RATE, REPORT_BURST).
	// Defaults DefaultReportRate and DefaultReportBurst.
	ReportRate  float64
	ReportBurst int
	// ReportRetention is how long a kind of violation nobody reports again
	// stays in the store (REPORT_RETENTION, a Go duration of at least 1h,
	// such as 720h). Default DefaultReportRetention.
	ReportRetention time.Duration
	// BehindTLSProxy says visitors reach the kit over https through a
	// proxy that terminates TLS (BEHIND_TLS_PROXY=true), so cookies are
	// marked Secure and take the __Host- prefix, and every page is served
	// as https (HSTS, report-to) whatever a proxy's header says. Default
	// false.
	BehindTLSProxy bool
	// TrustedProxies are the reverse proxies in front of the kit
	// (TRUSTED_PROXIES, a comma-separated list of CIDR ranges or addresses,
	// such as 127.0.0.1,10.0.0.0/8): only requests whose connection comes
	// from one of them have X-Forwarded-For, Forwarded and X-Forwarded-Proto
	// believed, for the client's address and the scheme (package
	// forwarded). Default empty: every client is its socket address, so
	// behind a proxy all clients share the proxy's.
	TrustedProxies []netip.Prefix
	// RedisURL, when set, keeps sessions in Redis so several instances
	// share them (REDIS_URL, e.g. redis://127.0.0.1:6379/0). Default empty:
	// sessions live in the database (DatabaseURL's, else SQLite's).
	RedisURL string
	// DatabaseURL, when set, keeps reports, accounts and sessions in
	// PostgreSQL instead of the SQLite file in DataDir, so several
	// instances share them (DATABASE_URL, postgres://user:pass@host/db;
	// pgx's settings, such as sslmode, go in its query). Default empty.
	DatabaseURL string
	// BenchRoutes adds /bench/plain (no policy at all) and /bench/csp (the
	// site policy), both serving the home page, so `make load` can measure
	// what the security middleware costs (NONCEKIT_BENCH_ROUTES=1). Never
	// set it in production: /bench/plain is a page without a policy.
	BenchRoutes bool
	// Showcase mounts the teaching material (the live demos, the
	// catalogue and the policy lab) beside the app
	// (SHOWCASE=on or off). Default on in development and off with
	// APP_ENV=production, so a deployed clone does not ship the exhibit
	// by accident; set SHOWCASE=on to host the demos publicly.
	Showcase bool
}

// The report limits' defaults, also used by the server for a Config built
// by hand that leaves them zero. The burst is generous because a page with
// many violations sends one report per violation over report-uri, all at
// load.
const (
	DefaultReportRate  = 20  // reports per second per client
	DefaultReportBurst = 100 // reports at once per client
)

// DefaultReportRetention is REPORT_RETENTION's default: 30 days.
const DefaultReportRetention = 720 * time.Hour

// TLSMode says whether and how the server serves HTTPS.
type TLSMode string

// TLS modes.
const (
	TLSOff        TLSMode = ""
	TLSSelfSigned TLSMode = "self-signed"
	TLSFiles      TLSMode = "files"
)

// Scheme is "https" when the server serves TLS, else "http".
func (c Config) Scheme() string {
	if c.TLS == TLSOff {
		return "http"
	}
	return "https"
}

// HTTPS reports whether visitors reach the kit over https, so what it sets
// in their browser (cookies) must be https-only.
func (c Config) HTTPS() bool { return c.TLS != TLSOff || c.BehindTLSProxy }

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
	switch env := getenv("APP_ENV"); env {
	case "", "development":
	case "production":
		c.Production = true
	default:
		return Config{}, fmt.Errorf("APP_ENV=%q: want development or production", env)
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"NONCEKIT_BENCH_ROUTES", &c.BenchRoutes}, {"BEHIND_TLS_PROXY", &c.BehindTLSProxy}} {
		if v := getenv(b.name); v != "" {
			on, err := strconv.ParseBool(v)
			if err != nil {
				return Config{}, fmt.Errorf("%s=%q: want true or false", b.name, v)
			}
			*b.dst = on
		}
	}
	if err := c.readShowcase(getenv); err != nil {
		return Config{}, err
	}
	if err := c.readTLS(getenv); err != nil {
		return Config{}, err
	}
	if err := c.readReportLimits(getenv); err != nil {
		return Config{}, err
	}
	if err := c.readTrustedProxies(getenv("TRUSTED_PROXIES")); err != nil {
		return Config{}, err
	}
	if c.Production && c.BenchRoutes {
		return Config{}, fmt.Errorf("NONCEKIT_BENCH_ROUTES=%q with APP_ENV=production: the bench routes serve a page without a policy", getenv("NONCEKIT_BENCH_ROUTES"))
	}
	if v := getenv("REDIS_URL"); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			return Config{}, fmt.Errorf("REDIS_URL=%q: want redis://host:port/db or rediss://host:port/db", Redact(v))
		}
		c.RedisURL = v
	}
	if v := getenv("DATABASE_URL"); v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return Config{}, fmt.Errorf("DATABASE_URL=%q: want postgres://user:password@host:port/database", Redact(v))
		}
		c.DatabaseURL = v
	}
	return c, nil
}

func (c *Config) readShowcase(getenv func(string) string) error {
	c.Showcase = !c.Production
	switch v := strings.ToLower(getenv("SHOWCASE")); v {
	case "":
	case "on", "true", "1":
		c.Showcase = true
	case "off", "false", "0":
		c.Showcase = false
	default:
		return fmt.Errorf("SHOWCASE=%q: want on or off", getenv("SHOWCASE"))
	}
	return nil
}

func (c *Config) readTLS(getenv func(string) string) error {
	c.TLSCert, c.TLSKey = getenv("TLS_CERT"), getenv("TLS_KEY")
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("TLS_CERT=%q TLS_KEY=%q: set both or neither", c.TLSCert, c.TLSKey)
	}
	switch v := strings.ToLower(getenv("TLS")); v {
	case "", "off", "false":
		if c.TLSCert != "" {
			c.TLS = TLSFiles
		}
	case string(TLSSelfSigned):
		if c.TLSCert != "" {
			return fmt.Errorf("TLS=%q: TLS_CERT and TLS_KEY are set too; choose one", v)
		}
		c.TLS = TLSSelfSigned
	default:
		return fmt.Errorf("TLS=%q: want self-signed, or set TLS_CERT and TLS_KEY", getenv("TLS"))
	}
	return nil
}

func (c *Config) readReportLimits(getenv func(string) string) error {
	c.ReportRate, c.ReportBurst = DefaultReportRate, DefaultReportBurst
	if v := getenv("REPORT_RATE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0) || f > 1e9 {
			return fmt.Errorf("REPORT_RATE=%q: want a number of violations per second above 0", v)
		}
		c.ReportRate = f
	}
	if v := getenv("REPORT_BURST"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("REPORT_BURST=%q: want a whole number of reports, 1 or more", v)
		}
		c.ReportBurst = n
	}
	c.ReportRetention = DefaultReportRetention
	if v := getenv("REPORT_RETENTION"); v != "" {
		// At least an hour: "30s" or "30m" for "30 days" would empty the
		// dashboard on the next report.
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Hour {
			return fmt.Errorf("REPORT_RETENTION=%q: want a duration of at least 1h, in hours: 720h is 30 days", v)
		}
		c.ReportRetention = d
	}
	return nil
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

// Redact hides the password in a URL that is about to be shown in an error
// or a log line. A value that does not parse as a URL is not shown at all:
// it may still hold a password.
func Redact(v string) string {
	if u, err := url.Parse(v); err == nil {
		return u.Redacted()
	}
	return "(unparseable URL)"
}
