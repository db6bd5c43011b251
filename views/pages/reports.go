package pages

import (
	"strconv"
	"time"

	"github.com/noncekit/noncekit/internal/csp"
	"github.com/noncekit/noncekit/internal/reports/store"
)

// Reports is what the /reports dashboard shows.
type Reports struct {
	Rows   []store.Aggregate
	Noise  int64
	Filter store.Filter
	// The choices of the filter form.
	Groups, Dispositions []string
	Directives           []csp.Directive
	// Error explains a rejected filter; the page is then served with 400.
	Error string
	// Stored is false when the server runs without a report store.
	Stored bool
}

func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") + " UTC" }

// where is "source:line" for a row, or "" when the browser sent neither.
func where(a store.Aggregate) string {
	s := a.SourceFile
	if a.Line > 0 {
		s += ":" + strconv.Itoa(a.Line)
	}
	return s
}

func dispositionBadge(d string) string {
	if d == "enforce" {
		return "badge badge-bad"
	}
	return "badge"
}
