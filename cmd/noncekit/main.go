// Command noncekit serves the kit. Configuration comes from the environment
// (see the README); it stops gracefully on SIGINT and SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "noncekit:", err)
		os.Exit(1)
	}
}

// shutdownGrace bounds how long in-flight requests may take to finish once
// a stop signal arrives.
const shutdownGrace = 10 * time.Second

func run(ctx context.Context, getenv func(string) string, logOut io.Writer) error {
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return err
	}
	log := cfg.Logger(logOut)
	srv, err := server.New(log, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.Close(); err != nil {
			log.Error("closing the session store", slog.Any("error", err))
		}
	}()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	log.Info("serving", slog.String("url", "http://"+ln.Addr().String()), slog.String("sessions", srv.SessionBackend()))
	return serve(ctx, log, srv.HTTPServer(), ln, shutdownGrace)
}

// serve runs hs on ln until ctx ends, then shuts down gracefully: the
// listener closes at once, in-flight requests get up to grace to finish,
// and event streams end (the server's Stopping channel closes on Shutdown).
func serve(ctx context.Context, log *slog.Logger, hs *http.Server, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.Duration("grace", grace))
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}
