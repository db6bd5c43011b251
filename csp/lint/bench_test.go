package lint

import (
	"fmt"
	"testing"

	"github.com/noncekit/noncekit/csp"
)

// BenchmarkPolicyManyHosts lints a nonce policy whose script-src (under
// 'strict-dynamic') and img-src list n hosts each, as a suggestion built
// from many reports can: the cost must grow about linearly with n.
func BenchmarkPolicyManyHosts(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			p := csp.New().Set(csp.DefaultSrc, csp.Self).Set(csp.ScriptSrc, csp.Nonce, csp.StrictDynamic).
				Set(csp.ObjectSrc, csp.None).Set(csp.BaseURI, csp.None)
			for i := range n {
				p = p.Add(csp.ScriptSrc, csp.Source(fmt.Sprintf("https://s%d.example.com", i))).
					Add(csp.ImgSrc, csp.Source(fmt.Sprintf("https://i%d.example.com", i)))
			}
			b.ReportAllocs()
			for b.Loop() {
				Policy(p, AsHeader)
			}
		})
	}
}
