package store

import "github.com/noncekit/noncekit/csp/report"

// key is what aggregates are grouped by: the receiver's aggregate key,
// the same one its log lines are folded by.
type key = report.AggregateKey

// pending is one aggregate's share of a Record call.
type pending struct {
	count       int64
	first, last int64 // unix milliseconds
	latest      *report.Violation
	client      string // of the first violation: the one that would create the row
}

// aggregate folds vs into one pending row per key, so a batch of many
// copies of the same report costs one UPSERT. It returns the keys in first
// seen order, for a deterministic write order, and the noise it skipped.
func aggregate(vs []report.Violation) ([]key, map[key]*pending, int) {
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
		k := v.Key()
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
