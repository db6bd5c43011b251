package store

import (
	"net/url"
	"strings"

	"github.com/noncekit/noncekit/internal/reports"
)

// key is what aggregates are grouped by.
type key struct {
	group, directive, blocked, docPath, disposition string
}

func keyOf(v *reports.Violation) key {
	return key{v.Group, v.EffectiveDirective, v.BlockedURL, DocumentPath(v.DocumentURL), v.Disposition}
}

// DocumentPath reduces a document URL to its path, so the reports of one
// page with different query strings or fragments (often carrying tokens,
// never wanted in a dashboard) share an aggregate. The path stays escaped:
// decoding %0a back into a newline would undo the receiver's cleaning.
func DocumentPath(u string) string {
	if p, err := url.Parse(u); err == nil && (p.Scheme != "" || p.Host != "" || p.Path != "") {
		if ep := p.EscapedPath(); ep != "" {
			return ep
		}
		return "/"
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return u
}

// pending is one aggregate's share of a Record call.
type pending struct {
	count       int64
	first, last int64 // unix milliseconds
	latest      *reports.Violation
	client      string // of the first violation: the one that would create the row
}

// aggregate folds vs into one pending row per key, so a batch of many
// copies of the same report costs one UPSERT. It returns the keys in first
// seen order, for a deterministic write order, and the noise it skipped.
func aggregate(vs []reports.Violation) ([]key, map[key]*pending, int) {
	keys := make([]key, 0, 8)
	rows := make(map[key]*pending, 8)
	noise := 0
	for i := range vs {
		v := &vs[i]
		if v.Noise {
			noise++
			continue
		}
		ms := v.ReceivedAt.UnixMilli()
		k := keyOf(v)
		p := rows[k]
		if p == nil {
			p = &pending{first: ms, last: ms, latest: v, client: v.Client}
			rows[k] = p
			keys = append(keys, k)
		}
		p.count++
		p.first = min(p.first, ms)
		if ms >= p.last {
			p.last, p.latest = ms, v
		}
	}
	return keys, rows, noise
}
