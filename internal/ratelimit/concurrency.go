package ratelimit

import "net/http"

// Concurrency lets at most n requests through at once and answers 429 to
// the others at once rather than queueing them: a queue of waiting
// requests is memory and connections an attacker controls. A sender that
// trickles its body in slowly holds one slot until ReadTimeout, not more.
func Concurrency(n int) func(http.Handler) http.Handler {
	sem := make(chan struct{}, n)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case sem <- struct{}{}:
			default:
				tooMany(w)
				return
			}
			defer func() { <-sem }()
			next.ServeHTTP(w, r)
		})
	}
}
