package server

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/session"
)

// readyTimeout bounds each dependency's check: a hung store makes /readyz
// answer 503 promptly, never hang like the pages that need it.
const readyTimeout = 500 * time.Millisecond

// dependency is a store the server cannot serve its pages without.
type dependency struct {
	name string // what /readyz names when it fails
	ping func(ctx context.Context) error
}

// dependencies are the stores /readyz pings: the database, and Redis when
// sessions live there.
func dependencies(cfg config.Config, db *sql.DB, sessions *session.Sessions) []dependency {
	var deps []dependency
	if db != nil {
		deps = append(deps, dependency{"database", db.PingContext})
	}
	if cfg.RedisURL != "" {
		deps = append(deps, dependency{"redis", sessions.Ping})
	}
	return deps
}

// healthz is the liveness check (GET /healthz): the process serves HTTP.
// It touches no store, so an orchestrator does not restart a healthy
// process because its database or Redis is away; /readyz says that.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz is the readiness check (GET /readyz): every store the server uses
// (the database; Redis when sessions live there) answers within
// readyTimeout, all checked at once. 200 "ok", or 503 "unavailable:"
// with the failing stores' names, one line; the errors themselves go to
// the log only, since they may name hosts and ports.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	failed := make([]bool, len(s.deps))
	var wg sync.WaitGroup
	for i, d := range s.deps {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
			defer cancel()
			if err := d.ping(ctx); err != nil {
				failed[i] = true
				s.log.WarnContext(r.Context(), "not ready", slog.String("dependency", d.name), slog.Any("error", err))
			}
		})
	}
	wg.Wait()
	var names []string
	for i, f := range failed {
		if f {
			names = append(names, s.deps[i].name)
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(names) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("unavailable: " + strings.Join(names, ", ") + "\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}
