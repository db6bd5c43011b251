// Package server wires the kit together: the router, each route group's
// policy, the handlers and the HTTP server's limits.
package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/csp"
	"github.com/noncekit/noncekit/internal/reports"
	"github.com/noncekit/noncekit/internal/session"
)

// Server is the kit's HTTP handler.
type Server struct {
	log  *slog.Logger
	cfg  config.Config
	csp  *csp.Manager
	sink reports.Sink
	// stopping is closed when graceful shutdown begins, so long-lived
	// streams end instead of holding the shutdown up until its deadline.
	stopping chan struct{}
	stopOnce sync.Once
	reports  http.Handler
	handler  http.Handler
	site     func(http.Handler) http.Handler // the site group's CSP middleware, for error pages
	sessions *session.Sessions
	accounts *account.Directory
}

// Option adjusts a Server before its routes are built; tests use it.
type Option func(*Server)

// WithNonceSource replaces crypto/rand as the source of nonces. Tests use it
// to prove that a failing source serves a 500, never a page.
func WithNonceSource(r interface{ Read([]byte) (int, error) }) Option {
	return func(s *Server) { s.csp.Rand = r }
}

// WithReportSink sends violation reports to sink instead of the log.
func WithReportSink(sink reports.Sink) Option {
	return func(s *Server) { s.sink = sink }
}

// New builds the server and opens its session store (see session.Open:
// SQLite in cfg.DataDir, Redis with cfg.RedisURL). It fails when any route
// group's policy is invalid, naming the group, directive and value, so a
// bad policy never serves, or when the session store cannot be opened.
// Close releases the store.
func New(log *slog.Logger, cfg config.Config, opts ...Option) (*Server, error) {
	s := &Server{log: log, cfg: cfg, csp: csp.NewManager(log), sink: reports.LogSink{Logger: log}, stopping: make(chan struct{}),
		accounts: account.Demo()}
	for _, o := range opts {
		o(s)
	}
	sessions, err := session.Open(cfg)
	if err != nil {
		return nil, err
	}
	s.sessions = sessions
	s.sessions.Manager.ErrorFunc = s.sessionError
	s.reports = reports.NewHandler(log, s.sink)
	s.handler = s.routes()
	if err := s.csp.Err(); err != nil {
		_ = s.sessions.Close()
		return nil, fmt.Errorf("server: invalid content security policy: %w", err)
	}
	return s, nil
}

// Close releases the session store. Call it after HTTPServer's Shutdown.
func (s *Server) Close() error { return s.sessions.Close() }

// SessionBackend says where sessions live, for the start-up log line.
func (s *Server) SessionBackend() string { return s.sessions.Backend }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Policies lists the compiled route groups, for the policy API and tests.
func (s *Server) Policies() []csp.GroupInfo { return s.csp.Groups() }

// Stopping is closed when the server begins to shut down. Handlers that
// stream (server-sent events) return when it closes.
func (s *Server) Stopping() <-chan struct{} { return s.stopping }

// Stop closes Stopping. HTTPServer registers it to run on Shutdown.
func (s *Server) Stop() { s.stopOnce.Do(func() { close(s.stopping) }) }

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
	hs.RegisterOnShutdown(s.Stop)
	return hs
}
