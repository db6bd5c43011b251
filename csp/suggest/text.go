package suggest

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// Write prints suggestions for a terminal, one block per suggestion: the
// resulting header and Go expression, the reports the change resolves and
// the ones it refuses with what to do instead. `go run ./cmd/csp suggest`
// prints this.
func Write(w io.Writer, ss []Suggestion) error {
	bw := bufio.NewWriter(w)
	for i, s := range ss {
		if i > 0 {
			bw.WriteString("\n")
		}
		writeOne(bw, s)
	}
	return bw.Flush()
}

func writeOne(w *bufio.Writer, s Suggestion) {
	fmt.Fprintf(w, "%s: %s (%s), %s\n", s.Group, s.Header, s.Field, summary(s))
	for _, b := range s.Blockers {
		fmt.Fprintf(w, "  Fix first: %s\n", b)
	}
	if len(s.Changes) > 0 {
		fmt.Fprintf(w, "\n  Header:\n    %s: %s\n", s.Header, s.Value)
		fmt.Fprintf(w, "\n  Go (the group's %s policy in the route table):\n    %s\n", s.Field, s.Go)
	}
	if len(s.Resolved) > 0 {
		w.WriteString("\n  Resolves:\n")
		for _, r := range s.Resolved {
			fmt.Fprintf(w, "    %s\n      %s gets %s.", describe(r.Report), r.By.Directive, r.By.Source)
			if r.By.Note != "" {
				fmt.Fprintf(w, " %s", r.By.Note)
			}
			w.WriteString("\n")
		}
	}
	if len(s.Refused) > 0 {
		w.WriteString("\n  Refused:\n")
		for _, r := range s.Refused {
			fmt.Fprintf(w, "    %s\n      Why: %s\n      Instead: %s\n", describe(r.Report), r.Why, r.Instead)
		}
	}
	if len(s.Allowed) > 0 {
		w.WriteString("\n  Already allowed (reported before the policy changed):\n")
		for _, r := range s.Allowed {
			fmt.Fprintf(w, "    %s\n", describe(r))
		}
	}
}

// summary counts a suggestion's reports by outcome.
func summary(s Suggestion) string {
	n := len(s.Resolved) + len(s.Refused) + len(s.Allowed)
	out := plural(n, "kind") + " of report: " + strconv.Itoa(len(s.Resolved)) + " resolved, " + strconv.Itoa(len(s.Refused)) + " refused"
	if len(s.Allowed) > 0 {
		out += ", " + strconv.Itoa(len(s.Allowed)) + " already allowed"
	}
	return out
}

// describe is one report on one line: directive, blocked, page,
// disposition and count, and the sample when there is one.
func describe(r Report) string {
	out := fmt.Sprintf("%s %s on %s (%s, %s)", r.Directive, r.BlockedURL, r.DocumentPath, r.Disposition, plural(int(r.Count), "time"))
	if r.Sample != "" {
		out += ", sample " + strconv.Quote(r.Sample)
	}
	return out
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
