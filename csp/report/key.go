package report

import (
	"net/url"
	"time"
)

// AggregateKey is what violations are counted together by: one kind of
// violation. The log writes one line per key per interval (LogSink); the
// store keeps one row per key.
type AggregateKey struct {
	// The violation's Group, EffectiveDirective, BlockedURL,
	// DocumentPath(DocumentURL) and Disposition.
	Group, Directive, Blocked, DocumentPath, Disposition string
}

// Key returns v's aggregate key.
func (v *Violation) Key() AggregateKey {
	return AggregateKey{v.Group, v.EffectiveDirective, v.BlockedURL, DocumentPath(v.DocumentURL), v.Disposition}
}

// DocumentPath reduces a document URL to its path, so the reports of one
// page share an aggregate whatever origin (http or https, one host name or
// another) it was served under. The path stays escaped: decoding %0a back
// into a newline would undo the receiver's cleaning. Queries and fragments
// never get here: scrubURL removed them at intake; they are cut here too
// for values that did not come through Parse.
func DocumentPath(u string) string {
	if p, err := url.Parse(u); err == nil && (p.Scheme != "" || p.Host != "" || p.Path != "") {
		if ep := p.EscapedPath(); ep != "" {
			return ep
		}
		return "/"
	}
	return cutQuery(u)
}

// Aggregate is every report of one kind (one AggregateKey: same route
// group, directive, blocked URL, document path and disposition), as a
// store keeps it and package suggest reads it. The sample fields are
// those of the most recent report.
type Aggregate struct {
	// The kind: its AggregateKey's fields.
	Group        string `json:"group"`
	Directive    string `json:"directive"`
	BlockedURL   string `json:"blockedURL"`
	DocumentPath string `json:"documentPath"`
	Disposition  string `json:"disposition"`
	// How many reports of the kind, and when the first and the last came.
	Count     int64     `json:"count"`
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	// The most recent report's details.
	Sample     string `json:"sample"`
	SourceFile string `json:"sourceFile"`
	Line       int    `json:"line"`
	Column     int    `json:"column"`
	UserAgent  string `json:"userAgent"`
}
