// Package server wires the kit together: the router, each route group's
// policy, the handlers and the HTTP server's limits.
package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/csp"
	"github.com/noncekit/noncekit/internal/reports"
)

// Server is the kit's HTTP handler.
type Server struct {
	log     *slog.Logger
	cfg     config.Config
	csp     *csp.Manager
	sink    reports.Sink
	reports http.Handler
	handler http.Handler
	// sessions keeps the policy lab's state. Only the lab's routes load
	// and save it: LoadAndSave buffers responses, which streaming routes
	// must not be.
	sessions *scs.SessionManager
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

// WithSessions replaces the in-memory session manager, to give sessions a
// persistent store or production cookie settings.
func WithSessions(sm *scs.SessionManager) Option {
	return func(s *Server) { s.sessions = sm }
}

// New builds the server. It fails when any route group's policy is invalid,
// naming the group, directive and value, so a bad policy never serves.
func New(log *slog.Logger, cfg config.Config, opts ...Option) (*Server, error) {
	s := &Server{log: log, cfg: cfg, csp: csp.NewManager(log), sink: reports.LogSink{Logger: log}, sessions: newSessions()}
	for _, o := range opts {
		o(s)
	}
	s.reports = reports.NewHandler(log, s.sink)
	s.handler = s.routes()
	if err := s.csp.Err(); err != nil {
		return nil, fmt.Errorf("server: invalid content security policy: %w", err)
	}
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Policies lists the compiled route groups, for the policy API and tests.
func (s *Server) Policies() []csp.GroupInfo { return s.csp.Groups() }

// HTTPServer returns an http.Server with explicit limits: slow or oversized
// clients are cut off instead of holding connections forever.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// newSessions returns the default session manager: scs's in-memory store,
// which loses sessions on restart and is fine for the lab's scratch state.
func newSessions() *scs.SessionManager {
	sm := scs.New()
	sm.Cookie.Name = "noncekit_session"
	return sm
}
