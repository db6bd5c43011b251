package wire

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/noncekit/noncekit/csp"
)

// BenchmarkHeaderCount serves the same body with 7, 8 and 9 response
// headers of the same total size. Go's map keeps up to 8 entries in one
// group; the ninth turns the handler's header map, and net/http's clone of
// it, into full tables. Every nonced page of the kit carries 9 or more
// (docs/performance.md).
func BenchmarkHeaderCount(b *testing.B) {
	body := []byte(strings.Repeat("<p>hello, world</p>\n", 200))
	names := []string{"Content-Type", "Cache-Control", csp.HeaderCSP, "Cross-Origin-Opener-Policy",
		"Cross-Origin-Resource-Policy", "Permissions-Policy", "Referrer-Policy", "X-Content-Type-Options", "X-Frame-Options"}
	const total = 600 // bytes of header values, whatever the count
	for _, n := range []int{7, 8, 9} {
		val := []string{strings.Repeat("v", total/n)}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hdr := w.Header()
			for _, k := range names[:n] {
				hdr[k] = val
			}
			_, _ = w.Write(body)
		})
		b.Run(fmt.Sprintf("headers=%d", n), func(b *testing.B) { Bench(b, h, "/") })
	}
}

func TestBenchFailsOnAnError(t *testing.T) {
	res := testing.Benchmark(func(b *testing.B) {
		Bench(b, http.NotFoundHandler(), "/")
	})
	if res.N != 0 {
		t.Fatalf("a 404 was benchmarked as if it were a page: %v", res)
	}
}
