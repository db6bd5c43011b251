package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/noncekit/noncekit/views/pages"
)

// errorPages are the kit's own pages for the statuses it answers itself, so
// a visitor never sees a bare Go error page (which, served without a
// policy, would also be the one page an injection could run on).
var errorPages = map[int]struct{ title, message string }{
	http.StatusBadRequest:                  {"Bad request", "The request could not be understood."},
	http.StatusForbidden:                   {"Forbidden", "This request was refused: it came from another site."},
	http.StatusNotFound:                    {"Page not found", "There is nothing at this address."},
	http.StatusMethodNotAllowed:            {"Method not allowed", "This address does not accept that kind of request."},
	http.StatusRequestEntityTooLarge:       {"Too large", "What you sent is larger than this page accepts."},
	http.StatusRequestHeaderFieldsTooLarge: {"Headers too large", "The request's headers are larger than this server accepts."},
	http.StatusInternalServerError:         {"Something went wrong", "The server failed to answer this request. It has been logged."},
	http.StatusServiceUnavailable:          {"Temporarily unavailable", "The server cannot reach a service this page needs. Please try again in a moment."},
}

// errorPage renders the kit's page for status. It goes through the site
// group's middleware, so it carries a nonce and the site policy even when
// the request never reached a route group (a 404, a refused request).
func (s *Server) errorPage(status int) http.Handler {
	p, ok := errorPages[status]
	if !ok {
		p.title, p.message = http.StatusText(status), ""
	}
	return s.site(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Render(w, r, status, pages.Error(status, p.title, p.message))
	}))
}

// recoverer turns a panic in a handler into the kit's 500 page and a log
// line with the stack, instead of a dropped connection. http.ErrAbortHandler
// is re-panicked: it is net/http's way to abort a response on purpose.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "panic serving request",
				slog.String("id", middleware.GetReqID(r.Context())),
				slog.String("path", r.URL.Path),
				slog.String("panic", fmt.Sprint(v)),
				slog.String("stack", string(debug.Stack())))
			s.errorPage(http.StatusInternalServerError).ServeHTTP(w, r)
		}()
		next.ServeHTTP(w, r)
	})
}

// maxHeaderBytes is the header size past which a request gets the kit's 431
// page. http.Server.MaxHeaderBytes is set higher as the hard cap, where Go
// itself answers 431 before any handler runs.
const maxHeaderBytes = 32 << 10

// limitHeaders answers 431 when the request's headers exceed
// maxHeaderBytes: oversized cookies or headers are refused with a page that
// says so, rather than reaching handlers.
func (s *Server) limitHeaders(next http.Handler) http.Handler {
	tooLarge := s.errorPage(http.StatusRequestHeaderFieldsTooLarge)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := len(r.Method) + len(r.RequestURI) + len(r.Proto)
		for k, vs := range r.Header {
			for _, v := range vs {
				n += len(k) + len(v) + 4
			}
		}
		if n > maxHeaderBytes {
			tooLarge.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
