// Command noncekit serves the kit. Configuration comes from the environment
// (see the README); it stops gracefully on SIGINT and SIGTERM.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/devcert"
	"github.com/noncekit/noncekit/internal/reports/store"
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
	st, err := store.Open(ctx, cfg.DataDir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := server.New(log, cfg, server.WithReportStore(st))
	if err != nil {
		return err
	}
	hs := srv.HTTPServer()
	if err := configureTLS(hs, cfg); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	log.Info("serving", slog.String("url", cfg.Scheme()+"://"+ln.Addr().String()),
		slog.String("database", filepath.Join(cfg.DataDir, store.FileName)))
	if cfg.TLS == config.TLSSelfSigned {
		log.Info("self-signed certificate: the browser will warn once; proceed to localhost",
			slog.String("cert", filepath.Join(cfg.DataDir, devcert.CertFile)))
	}

	errc := make(chan error, 1)
	go func() {
		if cfg.TLS == config.TLSOff {
			errc <- hs.Serve(ln)
			return
		}
		// Certificates are in hs.TLSConfig, or named by TLS_CERT/TLS_KEY.
		errc <- hs.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.Duration("grace", shutdownGrace))
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutting down: %w", err)
	}
	// Write the reports still queued before the store closes.
	if err := srv.Close(sctx); err != nil {
		return err
	}
	return nil
}

// configureTLS loads the self-signed development certificate when asked
// to; real certificate files are loaded by ServeTLS.
func configureTLS(hs *http.Server, cfg config.Config) error {
	if cfg.TLS != config.TLSSelfSigned {
		return nil
	}
	cert, err := devcert.LoadOrCreate(cfg.DataDir, time.Now())
	if err != nil {
		return err
	}
	hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return nil
}
