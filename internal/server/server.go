// Package server wires the kit together: the router, each route group's
// policy, the handlers and the HTTP server's limits.
package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/lint"
	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/forwarded"
	"github.com/noncekit/noncekit/internal/reports"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/session"
	"github.com/noncekit/noncekit/views/layout"
)

// Server is the kit's HTTP handler.
type Server struct {
	log      *slog.Logger
	cfg      config.Config
	policies Policies
	csp      *csp.Manager
	handler  http.Handler
	site     func(http.Handler) http.Handler // the site group's CSP middleware, for error pages

	// links are the app's places: the header's navigation and the home
	// page's cards. routes() lists the skeleton's; a mounted part (the
	// showcase) adds its own through AddLinks.
	links []layout.Link
	// cacheablePaths are the pages of the cacheable group, rendered once at
	// start-up (checkCacheablePages).
	cacheablePaths []string

	// sessions keeps per-visitor state (sign-in, flashes). Only the routes
	// that need it load and save it (Sessions.Middleware, whose writer
	// cannot flush: never around a stream); other pages read who is
	// signed in with Sessions.Peek.
	sessions *session.Sessions
	accounts Accounts
	signIns  signInThrottle
	devices  devices      // the sign-in throttle's device cookies
	deps     []dependency // what /readyz checks

	reportPipeline
	// policyRisks are the High lint findings nothing accepts (PolicyRisks).
	policyRisks []string
	groupNames  []string // every route group's name, for the dashboard's filter

	// now is Options.Now; started is when New ran, the last deploy as far
	// as the dashboard's "new" marks are concerned.
	now      func() time.Time
	started  time.Time
	stopOnce sync.Once // Stop runs once
}

// Options are what New needs besides the settings in config.Config: the
// policies and the collaborators the caller owns. The zero value is valid:
// the kit's own policies, reports logged but not stored, and sessions as
// config.Config says.
type Options struct {
	// Policies are the site and API policies every route group derives
	// from. A zero field takes DefaultPolicies' value.
	Policies Policies

	// Reports stores violation reports, through a bounded queue, and serves
	// them on /reports, /api/reports and the live stream. The caller still
	// owns it: close the server first (Close), then the store. Nil: reports
	// are logged only.
	Reports store.Store

	// Queue tunes the queue in front of Reports (tests and the load test).
	Queue reports.QueueOptions

	// Sink, when set, receives every accepted report instead of the log
	// and the store (tests).
	Sink report.Sink

	// NonceSource replaces crypto/rand as the source of nonces. Tests set
	// it to prove that a failing source serves a 500, never a page.
	NonceSource io.Reader

	// Accounts are the people who can sign in. Nil: the users table of DB
	// (none without DB).
	Accounts Accounts

	// DB is the kit's database (database.Open): sessions live in it unless
	// cfg.RedisURL sends them to Redis; nil keeps them in memory. When it
	// is PostgreSQL, the live report streams show the reports every
	// instance on it stores (package live): Reports should then be on the
	// same database. The caller still owns it: close the server first
	// (Close), then DB.
	DB *sql.DB

	// Now is the server's clock: the report endpoint stamps reports and
	// refills its rate limit by it, and the dashboard marks new reports by
	// it (first seen since New ran, or within newWindow). Default
	// time.Now; tests fix it.
	Now func() time.Time
}

// Accounts is what the server needs of the accounts: sign-in, the
// signed-in session's account (its role decides who reads the reports),
// and the key that signs an account's device cookies (device.go).
// *account.Directory is the implementation.
type Accounts interface {
	Authenticate(ctx context.Context, email, password string) (account.User, error)
	Lookup(ctx context.Context, id string) (account.User, error)
	DeviceKeys
}

// New builds the server and opens its session store (see session.Open:
// Redis with cfg.RedisURL, else Options.DB, else memory). It fails when any
// route group's policy is invalid, naming the group, directive and value,
// so a bad policy never serves, or when the session store cannot be
// opened. Close releases what it opened.
func New(log *slog.Logger, cfg config.Config, o Options) (*Server, error) {
	s := &Server{log: log, cfg: cfg, policies: o.Policies.orDefault(), accounts: o.Accounts,
		signIns: newSignInThrottle(nil), now: o.Now}
	if s.now == nil {
		s.now = time.Now
	}
	s.started = s.now()
	// Every route group's policy is compiled by this one manager (routes).
	s.csp = csp.NewManager()
	s.csp.Logger, s.csp.HTTPS, s.csp.Rand = log, forwarded.HTTPS, o.NonceSource
	if s.accounts == nil {
		s.accounts = account.NewDirectory(accountStore(o.DB))
	}
	s.devices = devices{keys: s.accounts, secure: cfg.HTTPS(), now: s.now}
	sessions, err := session.Open(cfg, o.DB)
	if err != nil {
		return nil, err
	}
	s.sessions = sessions
	s.sessions.OnError = s.sessionError
	s.deps = dependencies(cfg, o.DB, sessions)
	if err := s.startReports(log, o); err != nil {
		_ = s.sessions.Close()
		return nil, err
	}
	s.handler = s.routes()
	if err := errors.Join(s.checkPolicies(), s.checkCacheablePages()); err != nil {
		// Close releases everything opened above, each once; the queue
		// holds nothing to flush yet.
		_ = s.Close(context.Background())
		return nil, err
	}
	for _, g := range s.csp.Groups() { // routes declared every group
		s.groupNames = append(s.groupNames, g.Name)
	}
	return s, nil
}

// checkPolicies fails when a route group's policy did not compile, and
// lints the others (lintPolicies).
func (s *Server) checkPolicies() error {
	if err := s.csp.Err(); err != nil {
		return fmt.Errorf("server: invalid content security policy: %w", err)
	}
	s.lintPolicies()
	return nil
}

// lintPolicies logs every route group's lint findings and keeps the High
// ones (a policy an injected script can get around) for PolicyRisks,
// unless the group says why it is deliberate with csp.Group.Accept (then
// its findings are logged at debug level only).
func (s *Server) lintPolicies() {
	for _, g := range lint.Groups(s.csp.Groups()) {
		for _, f := range g.Findings {
			level := slog.LevelDebug
			switch {
			case g.Accepted != "":
			case f.Severity >= lint.Medium:
				level = slog.LevelWarn
			case f.Severity == lint.Low:
				level = slog.LevelInfo
			}
			s.log.Log(context.Background(), level, "csp lint", slog.String("group", g.Group),
				slog.String("delivery", g.Delivery.String()), slog.String("finding", f.String()),
				slog.String("accepted", g.Accepted))
			if f.Severity == lint.High && g.Accepted == "" && g.Delivery == lint.AsHeader {
				s.policyRisks = append(s.policyRisks, fmt.Sprintf("group %q: %s", g.Group, f))
			}
		}
	}
}

// PolicyRisks lists the High lint findings of route groups whose policy is
// sent as a header and has no csp.Group.Accept, one line each naming the
// group. The deploy checks (package deploycheck) make each an error: with
// APP_ENV=production they stop the start.
func (s *Server) PolicyRisks() []string { return slices.Clone(s.policyRisks) }

// SessionBackend says where sessions live, for the start-up log line.
func (s *Server) SessionBackend() string { return s.sessions.Backend }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Stop ends the long-lived responses: it closes the hub (the live report
// streams), which would otherwise hold a graceful shutdown up until its
// deadline. HTTPServer registers it to run on Shutdown.
func (s *Server) Stop() {
	s.stopOnce.Do(s.hub.Close)
}

// HTTPServer returns an http.Server with explicit limits: slow or oversized
// clients are cut off instead of holding connections forever.
func (s *Server) HTTPServer() *http.Server {
	hs := &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    4 * maxHeaderBytes, // the hard cap; limitHeaders answers with a page below it
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	// Streams never go idle: end them, or Shutdown would wait for them
	// until its deadline.
	hs.RegisterOnShutdown(s.Stop)
	return hs
}

// Close ends the live streams, writes the reports still queued and closes
// the session store. Call it after the HTTP server has shut down and before
// closing the database.
func (s *Server) Close(ctx context.Context) error {
	s.Stop()
	errs := s.reportPipeline.close(ctx)
	if err := s.sessions.Close(); err != nil {
		errs = append(errs, fmt.Errorf("server: closing the session store: %w", err))
	}
	return errors.Join(errs...)
}

// ReportQueueStats returns the report queue's counters (zero without a
// store).
func (s *Server) ReportQueueStats() reports.QueueStats {
	if s.queue == nil {
		return reports.QueueStats{}
	}
	return s.queue.Stats()
}
