// Command csp reviews a Content-Security-Policy, and suggests changes to
// the kit's own from the violation reports it stored.
//
// Usage:
//
//	go run ./cmd/csp lint [-report-only | -meta] '<policy>'
//	go run ./cmd/csp suggest [--group NAME] [--json] [--since DURATION]
//
// suggest is described in suggest.go.
//
// lint reads the policy with csp.ParseLenient (the grammar is checked but
// default-src is not required, so a partial policy can be reviewed), lints
// it with lint.Policy (package internal/csp/lint) and prints one finding per line, most severe first, in
// four columns aligned with spaces:
//
//	SEVERITY  DIRECTIVE  VALUE  MESSAGE
//
//	HIGH      script-src  'unsafe-inline'  'unsafe-inline' lets any injected <script> tag ...
//	HIGH      object-src  -                Without object-src (or default-src) an injected ...
//
// SEVERITY is HIGH, MEDIUM, LOW or INFO. DIRECTIVE and VALUE never contain
// spaces; VALUE is "-" when the finding is about the directive as a whole,
// for instance a missing one. MESSAGE is the rest of the line. A one-line
// summary goes to standard error.
//
// The policy is linted as an enforced header unless -report-only (a
// Content-Security-Policy-Report-Only header) or -meta (a <meta
// http-equiv> element) says otherwise; flags may come before or after the
// policy.
//
// Exit status: 0 when there is no HIGH finding, 1 when there is one, 2 for
// a usage error or a policy that does not parse (the error names the
// directive and the value).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/lint"
	"github.com/noncekit/noncekit/internal/cmdflag"
)

// Exit statuses.
const (
	exitOK    = 0
	exitHigh  = 1
	exitUsage = 2
)

const usage = `usage: csp lint [-report-only | -meta] '<policy>'
       csp suggest [--group NAME] [--json] [--since DURATION]

lint prints the weaknesses of a Content-Security-Policy, one per line, and
exits 1 when one of them is HIGH.

suggest reads the violation reports the server stored (DATA_DIR) and prints,
per route group, the smallest safe change to its policy and what to change
in the pages instead; it exits 1 when there is something to change.
`

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr)) }

// run is the whole command with its arguments (without the program name),
// environment and output streams; it returns the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "lint":
		return runLint(args[1:], stdout, stderr)
	case "suggest":
		return runSuggest(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "csp: unknown command %q\n%s", args[0], usage)
	return exitUsage
}

func runLint(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("csp lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	reportOnly := fs.Bool("report-only", false, "lint the policy as a Content-Security-Policy-Report-Only header")
	meta := fs.Bool("meta", false, "lint the policy as a <meta http-equiv=\"Content-Security-Policy\"> element")

	policies, err := cmdflag.Parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	if len(policies) != 1 {
		fmt.Fprintf(stderr, "csp lint: want one policy, quoted as one argument, got %d arguments\n%s", len(policies), usage)
		return exitUsage
	}
	delivery := lint.AsHeader
	switch {
	case *reportOnly && *meta:
		fmt.Fprintln(stderr, "csp lint: -report-only and -meta exclude each other: a <meta> policy is always enforced")
		return exitUsage
	case *reportOnly:
		delivery = lint.AsReportOnly
	case *meta:
		delivery = lint.AsMeta
	}

	p, err := csp.ParseLenient(policies[0])
	if err != nil {
		fmt.Fprintf(stderr, "csp lint: the policy does not parse:\n  %s\n", strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return exitUsage
	}
	findings := lint.Policy(p, delivery)
	if err := printFindings(stdout, findings); err != nil {
		fmt.Fprintf(stderr, "csp lint: writing findings: %v\n", err)
		return exitUsage
	}
	high := 0
	for _, f := range findings {
		if f.Severity == lint.High {
			high++
		}
	}
	noun := "findings"
	if len(findings) == 1 {
		noun = "finding"
	}
	fmt.Fprintf(stderr, "csp lint: %d %s, %d HIGH (%s)\n", len(findings), noun, high, delivery)
	if high > 0 {
		return exitHigh
	}
	return exitOK
}

// printFindings writes the findings in the aligned format the package
// documentation describes.
func printFindings(w io.Writer, findings []lint.Finding) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range findings {
		value := string(f.Value)
		if value == "" {
			value = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Severity, f.Directive, value, f.Message)
	}
	return tw.Flush()
}
