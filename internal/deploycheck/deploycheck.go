// Package deploycheck lists what makes a configuration unsafe or unfit to
// deploy, in the manner of Django's `check --deploy`: each problem has an
// id, a severity and a one-line fix.
//
// The threat it stops is the careless operator: a clone started with
// APP_ENV=production on plain http, with the showcase's lab, a
// weakened policy or debug logging, runs without a word. `noncekit check`
// prints the list; a start with APP_ENV=production runs the same checks
// and refuses to serve while any of them is an error (warnings are
// logged).
package deploycheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/noncekit/noncekit/internal/config"
)

// Severity says whether a problem stops a production start.
type Severity int

const (
	// Warning is logged at start and printed by `check`; it does not stop
	// anything.
	Warning Severity = iota
	// Error stops a start with APP_ENV=production and makes `check` exit 1.
	Error
)

func (s Severity) String() string {
	if s == Error {
		return "ERROR"
	}
	return "WARNING"
}

// Problem is one finding.
type Problem struct {
	// ID names the check, stable across versions (for scripts and docs).
	ID       string
	Severity Severity
	// Message says what is wrong, on one line.
	Message string
	// Fix says what to do about it, on one line.
	Fix string
}

// OperatorCounter counts the accounts with the operator role: the people
// who can read the reports. The users store implements it.
type OperatorCounter interface {
	Operators(ctx context.Context) (int, error)
}

// Input is what the checks read.
type Input struct {
	// Config is the configuration the server runs (or would run) with.
	Config config.Config
	// PolicyRisks are the High lint findings no route group accepts, one
	// line each naming the group (server.Server.PolicyRisks).
	PolicyRisks []string
	// Operators counts the operator accounts. Nil skips that check.
	Operators OperatorCounter
}

// check is one entry of the list: it returns its problems, if any.
type check func(ctx context.Context, in Input) []Problem

// checks run in this order; Run lists errors before warnings.
var checks = []check{
	insecureCookies,
	selfSignedTLS,
	publicProxies,
	proxyNotTrusted,
	policyRisks,
	benchRoutes,
	noOperator,
	notProduction,
	showcaseMounted,
	debugLogging,
}

// Report is the outcome of Run: errors first, then warnings, each in the
// order of the checks.
type Report []Problem

// Run runs every check on in.
func Run(ctx context.Context, in Input) Report {
	var errs, warns Report
	for _, c := range checks {
		for _, p := range c(ctx, in) {
			if p.Severity == Error {
				errs = append(errs, p)
			} else {
				warns = append(warns, p)
			}
		}
	}
	return append(errs, warns...)
}

// Count returns how many problems of severity s the report holds.
func (r Report) Count(s Severity) int {
	n := 0
	for _, p := range r {
		if p.Severity == s {
			n++
		}
	}
	return n
}

// Err is nil when the report has no error; else an error listing every
// error with its fix, the message a refused start ends with.
func (r Report) Err() error {
	if r.Count(Error) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("deploy checks failed (APP_ENV=production); fix these, `noncekit check` lists them:")
	for _, p := range r {
		if p.Severity == Error {
			fmt.Fprintf(&b, "\n  %s: %s\n    fix: %s", p.ID, p.Message, p.Fix)
		}
	}
	return errors.New(b.String())
}

// Write prints the report for `noncekit check`: each problem on two lines
// (severity, id and message; then the fix), then a summary line.
func (r Report) Write(w io.Writer) error {
	var b strings.Builder
	for _, p := range r {
		fmt.Fprintf(&b, "%s %s: %s\n  fix: %s\n", p.Severity, p.ID, p.Message, p.Fix)
	}
	switch e, wn := r.Count(Error), r.Count(Warning); {
	case e == 0 && wn == 0:
		b.WriteString("no problems found\n")
	default:
		fmt.Fprintf(&b, "%s, %s\n", plural(e, "error"), plural(wn, "warning"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// LogWarnings logs each warning, for a production start that goes ahead.
func (r Report) LogWarnings(ctx context.Context, log *slog.Logger) {
	for _, p := range r {
		if p.Severity == Warning {
			log.WarnContext(ctx, "deploy check", slog.String("id", p.ID), slog.String("problem", p.Message), slog.String("fix", p.Fix))
		}
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
