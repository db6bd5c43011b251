package server

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/reports"
	"github.com/noncekit/noncekit/internal/reports/live"
	"github.com/noncekit/noncekit/internal/reports/store"
)

// liveStartTimeout bounds New's wait for the live-report listener's first
// LISTEN (PostgreSQL only).
const liveStartTimeout = 10 * time.Second

// reportPipeline is where accepted violation reports go, and what the
// dashboard reads back: report endpoint -> sink (the log, and the store
// through a bounded queue) -> hub (the operator's live stream).
type reportPipeline struct {
	sink       report.Sink     // where the report endpoint sends reports
	logs       *report.LogSink // the violation log, flushed on Close; nil with Options.Sink
	store      reportReader    // queueStore, or noReports{} without one
	queue      *reports.Queue  // between the endpoint and the store; nil without one
	queueStore store.Store     // nil without one (Options.Reports)
	hub        *reports.Hub    // live report streams
	// live carries stored reports to every instance's hub when the
	// database is PostgreSQL (several instances); nil with SQLite, where
	// the queue publishes to the hub itself.
	live *live.Broadcast
}

// startReports builds the pipeline: Options.Sink alone when set (tests);
// else the log, and with Options.Reports the store behind its queue, whose
// stored violations reach the live streams (through the database on
// PostgreSQL, so every instance's stream shows every instance's reports)
// and the watch for new third parties.
func (s *Server) startReports(log *slog.Logger, o Options) error {
	p := &s.reportPipeline
	p.store, p.hub, p.sink = noReports{}, reports.NewHub(0, 0), o.Sink
	if p.sink != nil {
		return nil
	}
	p.logs = report.NewLogSink(log)
	p.sink = p.logs
	if o.Reports == nil {
		return nil
	}
	p.store, p.queueStore = o.Reports, o.Reports
	qo := o.Queue
	var streams reports.Publisher = p.hub
	if o.DB != nil && database.DialectOf(o.DB) == database.Postgres {
		if qo.WriteShare == 0 {
			// Report writes take an advisory lock of their own and row
			// locks on the reports tables: nothing the sessions wait for,
			// so the writer need not rest (it does on SQLite, whose one
			// write lock the sessions share).
			qo.WriteShare = 1
		}
		ctx, cancel := context.WithTimeout(context.Background(), liveStartTimeout)
		defer cancel()
		var err error
		if p.live, err = live.Start(ctx, o.DB, live.Options{Hub: p.hub, Logger: log}); err != nil {
			return fmt.Errorf("server: %w", err)
		}
		streams = p.live
	}
	qo.Publisher = publishers{streams, newNewSources(log, o.Reports, s.started)}
	qo.Logger, qo.Drops = log, p.logs
	p.queue = reports.NewQueue(o.Reports, qo)
	// Each violation is logged once and stored: the log is where an
	// operator looks first, the store is what the dashboard shows.
	p.sink = report.Sinks{p.logs, p.queue}
	return nil
}

// close writes the reports still queued, stops the live listener and
// flushes the violation log, in that order.
func (p *reportPipeline) close(ctx context.Context) []error {
	var errs []error
	if p.queue != nil {
		if err := p.queue.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("server: flushing queued reports: %w", err))
		}
	}
	// After the queue, whose last batches it sends to the other instances.
	if p.live != nil {
		p.live.Close()
	}
	// After the queue: its drops join the log's last summary line.
	if p.logs != nil {
		if err := p.logs.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("server: flushing the violation log: %w", err))
		}
	}
	return errs
}

// accountStore is the users table of db, or nil without a database.
func accountStore(db *sql.DB) *account.Store {
	if db == nil {
		return nil
	}
	return account.NewStore(db)
}
