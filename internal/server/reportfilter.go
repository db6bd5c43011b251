package server

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/internal/reports/store"
)

// maxReportLimit caps ?limit= on GET /api/reports: one request must not be
// able to ask the database for the whole table at once.
const maxReportLimit = 1000

// errBadGroup answers a ?group= that no report can carry, on every route
// that filters by group.
var errBadGroup = fmt.Errorf("group: letters, digits, '-', '_', '.' or '+', at most %d", csp.MaxGroupNameLen)

// checkGroup accepts "" (every group) and the names a report can carry.
func checkGroup(g string) error {
	if g != "" && !csp.ValidGroupName(g) {
		return errBadGroup
	}
	return nil
}

// parseReportFilter reads ?group=&directive=&disposition=&limit=&after=
// (after: where the previous page ended, store.Cursor). Each value
// is checked against what a stored report can hold, so a typo answers 400
// with a message instead of an empty list that looks like "no reports".
// A query that does not parse is an error too (r.URL.Query() would drop
// the bad pair silently and widen the filter).
func parseReportFilter(rawQuery string) (store.Filter, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return store.Filter{Limit: store.DefaultLimit}, errors.New("the query string does not parse")
	}
	f := store.Filter{Group: q.Get("group"), Directive: q.Get("directive"), Disposition: q.Get("disposition"), Limit: store.DefaultLimit}
	if err := checkGroup(f.Group); err != nil {
		return f, err
	}
	if f.Directive != "" && !csp.Directive(f.Directive).Known() {
		return f, errors.New("directive: not a CSP directive name (lower case, such as script-src-elem)")
	}
	if f.Disposition != "" && !slices.Contains(reportDispositions, f.Disposition) {
		return f, errors.New("disposition: want enforce, report or unknown")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxReportLimit {
			return f, errors.New("limit: want a whole number from 1 to 1000")
		}
		f.Limit = n
	}
	if f.After, err = store.ParseCursor(q.Get("after")); err != nil {
		return f, fmt.Errorf("after: %w", err)
	}
	return f, nil
}
