// Package devreload reloads the browser when `make dev` restarts the server.
//
// The page keeps an EventSource open to [Path]. Each server process has a
// boot id; when air restarts the server after a change, the stream
// reconnects, sees a new id and reloads the page. The script that does this
// is an ordinary nonced static file, so live reload works under the strict
// policy, unlike a reload script a proxy injects without the nonce.
package devreload

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"time"
)

// Path is where the reload stream is served.
const Path = "/_dev/reload"

type ctxKey struct{}

// Middleware marks each request so the layout includes the reload script.
// Mount it only in development: production requests carry no mark and pay
// nothing for this package.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, true)))
	})
}

// Enabled reports whether the request was marked by [Middleware].
func Enabled(ctx context.Context) bool {
	on, _ := ctx.Value(ctxKey{}).(bool)
	return on
}

// Handler streams this process's boot id and then holds the connection open
// until the client leaves or stop is closed (the server is shutting down:
// an open stream must not hold up a graceful shutdown).
func Handler(stop <-chan struct{}) http.Handler {
	boot := rand.Text()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		if r.Method == http.MethodHead { // the headers are the whole answer
			w.WriteHeader(http.StatusOK)
			return
		}
		// retry: reconnect quickly while air rebuilds the server.
		rc := http.NewResponseController(w)
		// The server's WriteTimeout is for ordinary responses, not streams.
		_ = rc.SetWriteDeadline(time.Time{})
		fmt.Fprintf(w, "retry: 300\nevent: boot\ndata: %s\n\n", boot)
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	})
}
