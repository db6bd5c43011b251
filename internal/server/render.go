package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"sync"

	"github.com/a-h/templ"

	"github.com/noncekit/noncekit/views/components"
	"github.com/noncekit/noncekit/views/layout"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes a component as an HTML response. It renders into a buffer
// first, so a template error becomes a clean 500 instead of half a page,
// and gives the layout the app's links for its navigation and the
// response's header (components.HTMX states the page's policy from it).
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() { buf.Reset(); bufPool.Put(buf) }()
	ctx := components.WithResponseHeader(layout.WithNav(r.Context(), s.links), w.Header())
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
