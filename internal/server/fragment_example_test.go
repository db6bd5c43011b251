package server_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/server"
	"github.com/noncekit/noncekit/views/layout"
)

// pages stands in for views/pages in README.md's example: Greeting renders
// what `templ Greeting(name string) { <p class="greeting">Hello, { name }.</p> }`
// does.
var pages = struct {
	Greeting func(name string) templ.Component
}{
	Greeting: func(name string) templ.Component {
		return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
			_, err := io.WriteString(w, `<p class="greeting">Hello, `+html.EscapeString(name)+`.</p>`)
			return err
		})
	},
}

// Example_fragmentHandler is README.md's fragment handler ("Using htmx"),
// run: htmx's request gets the fragment alone, a visit the whole page, both
// under the route group's policy. TestReadmeShowsTheHTMXExample (in docs/)
// keeps the two copies the same.
func Example_fragmentHandler() {
	s, err := server.New(slog.New(slog.DiscardHandler), config.Config{}, server.Options{})
	if err != nil {
		panic(err)
	}
	defer func() { _ = s.Close(context.Background()) }()
	r := chi.NewRouter()
	r.Use(s.CSP().Middleware(csp.Group{Name: "greeting", Enforce: s.SitePolicy()}))

	// docs/htmx.md: begin
	r.Get("/greeting", func(w http.ResponseWriter, r *http.Request) {
		// htmx's own request (HX-Request: true) gets the <p> alone; a visit,
		// a reload or a boosted link gets it inside the layout. Both carry
		// the group's policy and Cache-Control: no-store.
		s.RenderFragment(w, r, http.StatusOK, pages.Greeting(r.FormValue("name")),
			layout.Page{Title: "Greeting", Path: "/greeting", HTMX: true})
	})
	// docs/htmx.md: end

	for _, hx := range []string{"true", ""} {
		req := httptest.NewRequest(http.MethodGet, "/greeting?name=Ada", nil)
		if hx != "" {
			req.Header.Set("HX-Request", hx)
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		b, h := rec.Body.String(), rec.Header()
		if hx != "" {
			fmt.Println("htmx:", b)
		} else {
			fmt.Println("a visit: whole page:", strings.HasPrefix(b, "<!doctype html>") && strings.Contains(b, `<p class="greeting">Hello, Ada.</p>`))
		}
		fmt.Println("  policy:", strings.Contains(h.Get(csp.HeaderCSP), "group=greeting"), "| Cache-Control:", h.Get("Cache-Control"), "| Vary:", h.Get("Vary"))
	}
	// Output:
	// htmx: <p class="greeting">Hello, Ada.</p>
	//   policy: true | Cache-Control: no-store | Vary: HX-Request, HX-Boosted, HX-History-Restore-Request
	// a visit: whole page: true
	//   policy: true | Cache-Control: no-store | Vary: HX-Request, HX-Boosted, HX-History-Restore-Request
}
