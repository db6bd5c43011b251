package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"

	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/deploycheck"
	"github.com/noncekit/noncekit/internal/server"
)

// check is `noncekit check`: it builds the server as a start would, with
// the same environment, runs the deploy checks (package deploycheck) and
// prints them to out. It returns the exit status: 0 without errors, 1 with
// errors or when the server cannot even be built (printed to errOut).
func check(ctx context.Context, getenv func(string) string, out, errOut io.Writer) int {
	r, err := deployReport(ctx, getenv)
	if err != nil {
		fmt.Fprintln(errOut, "noncekit check:", err)
		return 1
	}
	if err := r.Write(out); err != nil {
		fmt.Fprintln(errOut, "noncekit check:", err)
		return 1
	}
	if r.Count(deploycheck.Error) > 0 {
		return 1
	}
	return 0
}

// deployReport opens what a start opens (configuration, database, session
// store, route groups), quietly, and checks it.
func deployReport(ctx context.Context, getenv func(string) string) (deploycheck.Report, error) {
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	db, _, err := database.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	// The lint findings are the report's, not log lines.
	srv, err := server.New(slog.New(slog.DiscardHandler), cfg, server.Options{DB: db})
	if err != nil {
		return nil, err
	}
	defer srv.Close(context.Background())
	return deploycheck.Run(ctx, deployInput(cfg, srv, db)), nil
}

// deployInput is what the deploy checks read, for `check` and for a
// production start alike.
func deployInput(cfg config.Config, srv *server.Server, db *sql.DB) deploycheck.Input {
	return deploycheck.Input{
		Config:      cfg,
		PolicyRisks: srv.PolicyRisks(),
		Operators:   account.NewStore(db),
	}
}

// refuseUnsafeProduction runs the deploy checks at a production start: the
// warnings are logged, and any error stops the start with the list.
func refuseUnsafeProduction(ctx context.Context, log *slog.Logger, cfg config.Config, srv *server.Server, db *sql.DB) error {
	if !cfg.Production {
		return nil
	}
	r := deploycheck.Run(ctx, deployInput(cfg, srv, db))
	r.LogWarnings(ctx, log)
	return r.Err()
}
