package store

import (
	"context"
	"time"

	"github.com/noncekit/noncekit/internal/reports"
)

// Store keeps aggregated violation reports. Implementations must be safe
// for concurrent use.
type Store interface {
	// Record adds violations to their aggregates and noise to the noise
	// counter, all or nothing. Violations flagged Noise are counted as
	// noise, not stored.
	Record(ctx context.Context, vs []reports.Violation, noise int) error
	// List returns the aggregates matching f, most recently seen first.
	List(ctx context.Context, f Filter) ([]Aggregate, error)
	// NoiseCount returns how many noise violations were counted in all.
	NoiseCount(ctx context.Context) (int64, error)
}

// Filter selects aggregates. Empty fields match everything.
type Filter struct {
	Group       string
	Directive   string
	Disposition string
	// Limit caps the rows returned; 0 or less means DefaultLimit.
	Limit int
}

// DefaultLimit is the number of rows List returns when Filter.Limit is 0.
const DefaultLimit = 100

// Aggregate is every report of one kind: same route group, directive,
// blocked URL, document path and disposition. The sample fields are those
// of the most recent report.
type Aggregate struct {
	Group        string    `json:"group"`
	Directive    string    `json:"directive"`
	BlockedURL   string    `json:"blockedURL"`
	DocumentPath string    `json:"documentPath"`
	Disposition  string    `json:"disposition"`
	Count        int64     `json:"count"`
	FirstSeen    time.Time `json:"firstSeen"`
	LastSeen     time.Time `json:"lastSeen"`
	Sample       string    `json:"sample"`
	SourceFile   string    `json:"sourceFile"`
	Line         int       `json:"line"`
	Column       int       `json:"column"`
	UserAgent    string    `json:"userAgent"`
}
