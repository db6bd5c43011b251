package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
	"github.com/noncekit/noncekit/csp/suggest"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/reports/store"
	"github.com/noncekit/noncekit/internal/server"
)

// runSuggest is `csp suggest [--group NAME] [--json] [--since DURATION]`.
//
// It reads the configuration from the environment as the server does
// (DATA_DIR, SHOWCASE, ...), builds the server's route groups without
// serving, to know each group's declared policy, reads the violation
// reports the server stored, and prints package suggest's output: per
// route group and policy, the resulting header, the Go expression for the
// route table, the reports it resolves and the ones it refuses with what
// to do instead (suggest.Write), or the same as a JSON array (--json).
// --since leaves out reports not seen within that long, such as the ones
// from before the last deploy.
//
// Exit status: 0 when there is nothing to change, 1 when a group's policy
// or pages should change, 2 for a usage error or a configuration, route
// table or store that cannot be read.
func runSuggest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("csp suggest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	group := fs.String("group", "", "suggest for this route group only")
	asJSON := fs.Bool("json", false, "print the suggestions as JSON")
	since := fs.Duration("since", 0, "read only the reports seen within this long, such as 24h (default: every stored report)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "csp suggest: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q\n%s", fs.Arg(0), usage)
	case *group != "" && !csp.ValidGroupName(*group):
		return fail("--group %q: a route group name is letters, digits, '-', '_', '.' or '+'", *group)
	case *since < 0:
		return fail("--since %s: want a positive duration", *since)
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return fail("%v", err)
	}
	groups, bases, err := routeGroups(ctx, cfg)
	if err != nil {
		return fail("building the route groups: %v", err)
	}
	if *group != "" {
		groups = slices.DeleteFunc(groups, func(g csp.GroupInfo) bool { return g.Name != *group })
		if len(groups) == 0 {
			return fail("no route group is named %q", *group)
		}
	}
	aggs, err := readReports(ctx, cfg, store.Filter{Group: *group, Limit: store.DefaultMaxRows})
	if err != nil {
		return fail("%v", err)
	}
	if *since > 0 {
		cutoff := time.Now().Add(-*since)
		aggs = slices.DeleteFunc(aggs, func(a report.Aggregate) bool { return a.LastSeen.Before(cutoff) })
	}
	ss := suggest.Groups(groups, aggs, suggest.Options{Bases: bases})
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if ss == nil {
			ss = []suggest.Suggestion{}
		}
		err = enc.Encode(ss)
	} else {
		err = suggest.Write(stdout, ss)
	}
	if err != nil {
		return fail("writing: %v", err)
	}
	var pending []string
	for _, s := range ss {
		if s.Pending() && !slices.Contains(pending, s.Group) {
			pending = append(pending, s.Group)
		}
	}
	if len(pending) == 0 {
		fmt.Fprintf(stderr, "csp suggest: nothing to change (%d stored reports read)\n", len(aggs))
		return exitOK
	}
	noun := "route groups"
	if len(pending) == 1 {
		noun = "route group"
	}
	fmt.Fprintf(stderr, "csp suggest: %d %s to change: %s\n", len(pending), noun, strings.Join(pending, ", "))
	return exitHigh
}

// routeGroups builds the server as a start would, without serving or
// opening anything it keeps (sessions in memory, no report store), and
// returns its route groups and the policies routes.go derives them from,
// by the names it gives them there.
func routeGroups(ctx context.Context, cfg config.Config) ([]csp.GroupInfo, []suggest.Base, error) {
	cfg.RedisURL = "" // no session is read: do not connect
	srv, err := server.New(slog.New(slog.DiscardHandler), cfg, server.Options{})
	if err != nil {
		return nil, nil, err
	}
	defer srv.Close(ctx)
	return srv.CSP().Groups(), []suggest.Base{{Name: "site", Policy: srv.SitePolicy()}, {Name: "api", Policy: srv.APIPolicy()}}, nil
}

// readReports reads the aggregates f selects from the store the server
// writes to, opened as cmd/noncekit opens it: PostgreSQL with
// DATABASE_URL, else the SQLite database in DATA_DIR.
func readReports(ctx context.Context, cfg config.Config, f store.Filter) (aggs []report.Aggregate, err error) {
	db, _, err := database.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("closing the database: %w", cerr))
		}
	}()
	var rd store.Store = store.New(db, store.Options{Retention: cfg.ReportRetention})
	return rd.List(ctx, f)
}
