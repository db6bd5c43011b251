package store

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/noncekit/noncekit/csp/report"
)

// Store keeps aggregated violation reports. Implementations must be safe
// for concurrent use.
type Store interface {
	// Record adds violations to their aggregates and noise to the noise
	// counter, all or nothing. Violations flagged Noise are counted as
	// noise, not stored.
	Record(ctx context.Context, vs []report.Violation, noise int) error
	// List returns the aggregates matching f, in f.Order.
	List(ctx context.Context, f Filter) ([]Aggregate, error)
	// Page is List, and where the next page starts.
	Page(ctx context.Context, f Filter) (Page, error)
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
	// Order is the order of the rows: ByLastSeen, the zero value, or
	// ByCount.
	Order Order
	// After continues a listing ByLastSeen where a Page ended (its Next):
	// only the rows after that one. The zero Cursor starts at the newest.
	After Cursor
}

func (f Filter) limit() int {
	if f.Limit <= 0 {
		return DefaultLimit
	}
	return f.Limit
}

// Order is an order of List's rows.
type Order int

const (
	// ByLastSeen lists the most recently seen first.
	ByLastSeen Order = iota
	// ByCount lists the most reported first, the most recently seen first
	// among equals: the kinds real pages keep causing come before one-off
	// ones, forged or not.
	ByCount
)

// DefaultLimit is the number of rows List returns when Filter.Limit is 0.
const DefaultLimit = 100

// Page is one page of a listing by last seen.
type Page struct {
	Aggregates []Aggregate
	// Next is where the next page starts (Filter.After); zero when no row
	// follows.
	Next Cursor
}

// Cursor is a place in the listing by last seen: just after one row. It
// travels in URLs as its String, which ParseCursor reads back.
type Cursor struct {
	lastSeen, id int64 // the row's last_seen (unix ms) and id
}

// IsZero says whether c is the zero Cursor, the start of the listing.
func (c Cursor) IsZero() bool { return c == Cursor{} }

// String is c as ParseCursor reads it: "" for the zero Cursor.
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	return strconv.FormatInt(c.lastSeen, 10) + "-" + strconv.FormatInt(c.id, 10)
}

// ErrBadCursor is ParseCursor's error for anything a Cursor's String
// cannot be.
var ErrBadCursor = errors.New("not a place in the list (use the links the page gives)")

// ParseCursor reads a Cursor's String; "" is the zero Cursor.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	seen, id, ok := strings.Cut(s, "-")
	ms, err1 := strconv.ParseInt(seen, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil || ms < 0 || n <= 0 {
		return Cursor{}, ErrBadCursor
	}
	return Cursor{lastSeen: ms, id: n}, nil
}

// Aggregate is every report of one kind, as the library's suggestions
// read it.
type Aggregate = report.Aggregate
