package store

import (
	"context"

	"github.com/noncekit/noncekit/csp/report"
)

// Store keeps aggregated violation reports. Implementations must be safe
// for concurrent use.
type Store interface {
	// Record adds violations to their aggregates and noise to the noise
	// counter, all or nothing. Violations flagged Noise are counted as
	// noise, not stored.
	Record(ctx context.Context, vs []report.Violation, noise int) error
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

// Aggregate is every report of one kind, as the library's suggestions
// read it.
type Aggregate = report.Aggregate
