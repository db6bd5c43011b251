package pages

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/noncekit/noncekit/csp"
)

// Reports is what the /reports dashboard shows. The handler fills it from
// the report store; the page knows nothing of the store's types.
type Reports struct {
	Rows   []ReportRow
	Noise  int64
	Filter ReportFilter
	// The choices of the filter form.
	Groups, Dispositions []string
	Directives           []csp.Directive
	// Error explains a rejected filter; the page is then served with 400.
	Error string
	// Stored is false when the server runs without a report store.
	Stored bool
	// Suggestions are the groups whose policy or pages should change,
	// from the stored reports of the groups the filter selects.
	Suggestions []Suggestion
	// SuggestedFrom is, when not 0, how many of the most reported kinds
	// the suggestions were computed from: there were more.
	SuggestedFrom int
	// Newest and Older link to the first page of rows (when this is not
	// it) and to the next one (when there is one); "" when not.
	Newest, Older string
}

// Suggestion is one route group's suggested change, as the "Suggested
// changes" panel shows it (package suggest computes it).
type Suggestion struct {
	Group  string
	Header string // Content-Security-Policy or ...-Report-Only
	Field  string // the csp.Group field: Enforce or ReportOnly
	// Value and Go are the resulting header value and the route table's
	// expression; both "" when only refusals are left.
	Value, Go string
	Resolved  []SuggestedReport
	Refused   []SuggestedReport
	// Blockers are the group's own High lint findings, to fix first.
	Blockers []string
}

// SuggestedReport is a report a suggestion resolves (Change, Note) or
// refuses (Why, Instead).
type SuggestedReport struct {
	Directive, BlockedURL, DocumentPath, Disposition string
	Count                                            int64
	Sample                                           string
	Change, Note                                     string
	Why, Instead                                     string
	New                                              bool
}

// ReportRow is one kind of violation: every report with the same route
// group, directive, blocked resource, page and disposition. The example
// fields (Sample, SourceFile, Line) are the most recent report's.
type ReportRow struct {
	Group, Directive, BlockedURL, DocumentPath, Disposition string
	Count                                                   int64
	FirstSeen, LastSeen                                     time.Time
	Sample, SourceFile                                      string
	Line                                                    int // 0 when the browser sent none
	// New marks a kind first seen since the server started (the last
	// deploy) or within the last 24 hours.
	New bool
}

// ReportFilter is the filter form's current choice; "" is "any".
type ReportFilter struct {
	Group, Directive, Disposition string
}

// when is a report's time as the table shows it, in UTC (the column
// header says so); datetime is the same instant for <time datetime>.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

func datetime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// wrapAt writes a path or URL, escaped, with a <wbr> after each / ? & =
// and ., the only places a narrow column may wrap it. Written in Go: a
// templ loop would put spaces between the parts.
func wrapAt(s string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		for i, part := range breakable(s) {
			if i > 0 {
				if _, err := io.WriteString(w, "<wbr>"); err != nil {
					return err
				}
			}
			if _, err := io.WriteString(w, templ.EscapeString(part)); err != nil {
				return err
			}
		}
		return nil
	})
}

// breakable cuts s after each / ? & = and . that is not its first
// character nor followed by another of them ("https://" stays whole).
func breakable(s string) []string {
	const seps = "/?&=."
	var parts []string
	last := 0
	for i := 1; i < len(s)-1; i++ {
		if strings.IndexByte(seps, s[i]) >= 0 && strings.IndexByte(seps, s[i+1]) < 0 {
			parts = append(parts, s[last:i+1])
			last = i + 1
		}
	}
	if last < len(s) {
		parts = append(parts, s[last:])
	}
	return parts
}

// where is "source:line" for a row, or "" when the browser sent neither.
func where(r ReportRow) string {
	s := r.SourceFile
	if r.Line > 0 {
		s += ":" + strconv.Itoa(r.Line)
	}
	return s
}

func dispositionBadge(d string) string {
	if d == "enforce" {
		return "badge badge-bad"
	}
	return "badge"
}

// suggestionSummary is a suggestion's folded line: how many kinds of
// report it resolves and refuses.
func suggestionSummary(s Suggestion) string {
	var parts []string
	if n := len(s.Resolved); n > 0 {
		parts = append(parts, strconv.Itoa(n)+" resolved")
	}
	if n := len(s.Refused); n > 0 {
		parts = append(parts, strconv.Itoa(n)+" refused")
	}
	return strings.Join(parts, ", ")
}

// plural is "1 group", "2 groups".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
