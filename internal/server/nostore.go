package server

import "net/http"

// noStore marks every response of the JSON API and the report stream
// Cache-Control: no-store. They carry violation reports (page paths,
// samples) and the site's policies: a shared proxy cache or the browser's
// disk cache must not keep them and hand them to the next user of that
// proxy or machine. Set before the handler runs, so error answers carry
// it too.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
