package suggest

import (
	"fmt"
	"testing"
	"time"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/report"
)

// manyKinds are n aggregates of group "g", each naming a new origin or
// page, over the directives the suggester treats differently: what a
// flood of forged reports leaves in the store.
func manyKinds(n int) []report.Aggregate {
	out := make([]report.Aggregate, n)
	for i := range out {
		a := agg("", "")
		a.LastSeen = time.Unix(int64(i), 0).UTC()
		switch i % 5 {
		case 0:
			a.Directive, a.BlockedURL = "script-src-elem", fmt.Sprintf("https://s%d.evil.example/x.js", i)
		case 1:
			a.Directive, a.BlockedURL = "img-src", fmt.Sprintf("https://i%d.evil.example/p.gif", i)
		case 2:
			a.Directive, a.BlockedURL = "connect-src", fmt.Sprintf("https://c%d.evil.example/beacon", i)
		case 3:
			a.Directive, a.BlockedURL = "style-src-elem", fmt.Sprintf("https://f%d.evil.example/a.css", i)
		default:
			a.Directive, a.BlockedURL, a.DocumentPath = "script-src-elem", "inline", fmt.Sprintf("/page/%d", i)
		}
		out[i] = a
	}
	return out
}

// BenchmarkGroups suggests for one group from 1,000 and 10,000 distinct
// kinds: its cost must grow about linearly with the kinds (issue 21: it
// linted the growing policy twice per new origin).
func BenchmarkGroups(b *testing.B) {
	groups := []csp.GroupInfo{{Group: csp.Group{Name: "g", Enforce: site}}}
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("kinds=%d", n), func(b *testing.B) {
			aggs := manyKinds(n)
			b.ReportAllocs()
			for b.Loop() {
				if ss := Groups(groups, aggs, bases); len(ss) != 1 {
					b.Fatalf("%d suggestions", len(ss))
				}
			}
		})
	}
}
