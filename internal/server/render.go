package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"sync"

	"github.com/a-h/templ"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/internal/session"
	"github.com/noncekit/noncekit/views/components"
	"github.com/noncekit/noncekit/views/layout"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes a component as an HTML response. It renders into a buffer
// first, so a template error becomes a clean 500 instead of half a page,
// and gives the layout the app's links for its navigation, who is signed
// in, and the response's header (components.HTMX states the page's policy
// from it).
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() { buf.Reset(); bufPool.Put(buf) }()
	ctx := components.WithResponseHeader(layout.WithNav(r.Context(), s.links), w.Header())
	ctx = layout.WithVisitor(ctx, s.visitor(r))
	if err := c.Render(ctx, buf); err != nil {
		if r.Context().Err() != nil {
			// The client left before the page was rendered: nobody to answer.
			s.log.DebugContext(r.Context(), "render abandoned", slog.String("path", r.URL.Path), slog.Any("error", err))
			return
		}
		s.log.ErrorContext(r.Context(), "render failed", slog.String("path", r.URL.Path), slog.Any("error", err))
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// visitor is who the page header shows as signed in: from the session
// when the route loads one, else read from the store by the cookie, which
// only signed-in visitors have (an anonymous visitor costs no store read).
// A cacheable page is the same for everyone, so it never shows anyone;
// and a store that fails costs the header its name, not the page.
func (s *Server) visitor(r *http.Request) layout.Visitor {
	ctx := r.Context()
	if csp.Cacheable(ctx) {
		return layout.Visitor{}
	}
	u, ok := session.Current(ctx)
	if !ok {
		var err error
		if u, err = s.sessions.Peek(r); err != nil {
			s.log.WarnContext(ctx, "page header: reading the session", slog.Any("error", err))
			return layout.Visitor{}
		}
	}
	if u.ID == "" {
		return layout.Visitor{}
	}
	name := u.Name
	if name == "" {
		name = "Signed in" // a session from before names were kept
	}
	return layout.Visitor{SignedIn: true, Name: name, SignOut: "/signout"}
}
