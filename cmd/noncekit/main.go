// Command noncekit serves the kit. Configuration comes from the environment
// (see the README); it stops gracefully on SIGINT and SIGTERM.
//
// Subcommands, one file each:
//
//	noncekit user ...   manage the accounts in the same database (user.go):
//	                    `noncekit user add --operator you@example.com` makes an
//	                    operator, who may read the violation reports
//	noncekit check      list deployment problems (check.go)
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
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/devcert"
	"github.com/noncekit/noncekit/internal/logbuf"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "user":
		err = runUser(ctx, os.Args[2:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	case len(os.Args) > 1 && os.Args[1] == "check":
		os.Exit(check(ctx, os.Getenv, os.Stdout, os.Stderr))
	case len(os.Args) > 1:
		err = fmt.Errorf("unknown command %q: run noncekit with no arguments to serve, `noncekit user` to manage accounts or `noncekit check` to list deployment problems", os.Args[1])
	default:
		err = run(ctx, os.Getenv, os.Stderr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "noncekit:", err)
		os.Exit(1)
	}
}

// shutdownGrace bounds how long in-flight requests may take to finish once
// a stop signal arrives, and then how long queued reports may take to be
// written.
const shutdownGrace = 10 * time.Second

func run(ctx context.Context, getenv func(string) string, logOut io.Writer) (err error) {
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return err
	}
	// Log lines are written out in batches, every 100 ms: one write per
	// request line cost the home page ~14% of its throughput. The deferred
	// Close runs last, so the shutdown's own lines are written too.
	lw := logbuf.New(logOut, logbuf.Options{})
	defer func() { err = errors.Join(err, lw.Close()) }()
	log := cfg.Logger(lw)
	config.TuneGC(getenv)
	// One handle for every table in the database, closed once and last
	// (defers run in reverse): after the server's Close below.
	db, _, err := database.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("closing the database: %w", cerr))
		}
	}()
	srv, err := server.New(log, cfg, server.Options{DB: db, Reports: store.New(db, store.Options{Retention: cfg.ReportRetention})})
	if err != nil {
		return err
	}
	// On every way out, the server writes the reports still queued and
	// stops the session cleanup while the database is still open.
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		err = errors.Join(err, srv.Close(cctx))
	}()
	if err := refuseUnsafeProduction(ctx, log, cfg, srv, db); err != nil {
		return err
	}
	hs := srv.HTTPServer()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	if ln, err = withTLS(ln, hs, cfg); err != nil {
		return err
	}
	log.Info("serving", slog.String("url", cfg.Scheme()+"://"+ln.Addr().String()),
		slog.String("database", database.Describe(cfg)), slog.String("sessions", srv.SessionBackend()))
	if cfg.TLS == config.TLSSelfSigned {
		log.Info("self-signed certificate: the browser will warn once; proceed to localhost",
			slog.String("cert", filepath.Join(cfg.DataDir, devcert.CertFile)))
	}
	return serve(ctx, log, hs, ln, shutdownGrace)
}

// withTLS wraps ln in TLS when the configuration asks for it: the
// self-signed development certificate (made once, kept in DATA_DIR), or
// the certificate files TLS_CERT and TLS_KEY name.
func withTLS(ln net.Listener, hs *http.Server, cfg config.Config) (net.Listener, error) {
	var cert tls.Certificate
	var err error
	switch cfg.TLS {
	case config.TLSOff:
		return ln, nil
	case config.TLSSelfSigned:
		cert, err = devcert.LoadOrCreate(cfg.DataDir, time.Now())
	case config.TLSFiles:
		cert, err = tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			err = fmt.Errorf("TLS_CERT=%q TLS_KEY=%q: %w", cfg.TLSCert, cfg.TLSKey, err)
		}
	}
	if err != nil {
		ln.Close()
		return nil, err
	}
	hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
	return tls.NewListener(ln, hs.TLSConfig), nil
}

// serve runs hs on ln until ctx ends, then shuts down gracefully: the
// listener closes at once, in-flight requests get up to grace to finish,
// and event streams end (Shutdown runs the server's Stop).
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
