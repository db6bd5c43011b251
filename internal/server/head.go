package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// headAsGet routes every HEAD request to the GET handler of its path (RFC
// 9110 section 9.3.2: a server that supports GET supports HEAD), so no
// route needs a HEAD twin. The handler still sees r.Method == HEAD, and
// net/http sends the headers it writes without the body. Monitors and
// link checkers that probe with HEAD then get what a browser's GET gets,
// not a 405.
//
// Not chi's middleware.GetHead: it looks for a HEAD route first, and a
// mounted subrouter's root ("/demo/") matches the mount point's catch-all
// stub for every method, so a HEAD there got a 405 (chi v5.5.0). Register
// no HEAD routes: this middleware sends HEAD to GET before routing.
func headAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			if rctx := chi.RouteContext(r.Context()); rctx != nil {
				rctx.RouteMethod = http.MethodGet
			}
		}
		next.ServeHTTP(w, r)
	})
}
