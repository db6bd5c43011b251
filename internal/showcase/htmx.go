package showcase

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/noncekit/noncekit/views/layout"
	views "github.com/noncekit/noncekit/views/showcase"
)

// maxFormBytes bounds the htmx demo form's body: one short field.
const maxFormBytes = 4 << 10

// htmxRoutes are the routes /demo/htmx's panels fetch. Its catalogue entry
// registers them on the page's route group, so each response carries the
// page's policy and no-store, and answers htmx with the fragment alone and
// a browser with a whole page (RenderFragment).
func (s *Showcase) htmxRoutes(r chi.Router) {
	r.Get("/htmx/swap", s.htmxSwap)
	r.Get("/htmx/injected", s.htmxInjected)
	// The form's POST, and PUT and DELETE to show the router's
	// cross-origin protection covers every unsafe method htmx sends.
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		r.Method(method, "/htmx/form", http.HandlerFunc(s.htmxForm))
	}
}

// htmxPage is how a fragment URL of the demo shows when opened as a page.
func htmxPage(title string) layout.Page {
	return layout.Page{Title: "htmx demo: " + title, Path: "/demo/htmx"}
}

func (s *Showcase) htmxSwap(w http.ResponseWriter, r *http.Request) {
	s.app.RenderFragment(w, r, http.StatusOK, views.HTMXSwapFragment(), htmxPage("a fragment"))
}

// htmxInjected serves a fragment that breaks the kit's fragment rule on
// purpose: scripts an injection put in it, which htmx must not run.
func (s *Showcase) htmxInjected(w http.ResponseWriter, r *http.Request) {
	s.app.RenderFragment(w, r, http.StatusOK, views.HTMXInjectedFragment(), htmxPage("an injected fragment"))
}

// htmxForm echoes the name it was sent, escaped by templ. It changes
// nothing: the point is which requests reach it.
func (s *Showcase) htmxForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			http.Error(w, "form too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "unreadable form", http.StatusBadRequest)
		return
	}
	name := strings.TrimSpace(r.Form.Get("name"))
	switch {
	case name == "":
		http.Error(w, "name: required", http.StatusBadRequest)
		return
	case !utf8.ValidString(name):
		http.Error(w, "name: not UTF-8", http.StatusBadRequest)
		return
	case utf8.RuneCountInString(name) > views.MaxNameLength:
		http.Error(w, "name: at most 64 characters", http.StatusBadRequest)
		return
	}
	s.app.RenderFragment(w, r, http.StatusOK, views.HTMXPosted(r.Method, name), htmxPage("the form"))
}
