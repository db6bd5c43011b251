package server

import (
	"context"
	"io"
	"net/http"

	"github.com/a-h/templ"

	"github.com/noncekit/noncekit/views/layout"
)

// fragmentVary names every request header IsFragmentRequest reads: the
// same URL answers a fragment or a page depending on them.
const fragmentVary = "HX-Request, HX-Boosted, HX-History-Restore-Request"

// IsFragmentRequest reports whether r is htmx asking for part of a page:
// HX-Request is set, and the request is neither a boosted navigation nor a
// history restore, both of which want the whole page.
func IsFragmentRequest(r *http.Request) bool {
	h := r.Header
	return h.Get("HX-Request") == "true" && h.Get("HX-Boosted") != "true" &&
		h.Get("HX-History-Restore-Request") != "true"
}

// RenderFragment answers htmx's request for part of a page with c alone, and
// any other request (a first visit, a reload, a boosted link, a history
// restore) with c inside the layout as page describes it, so every URL htmx
// fetches is also a page a browser can open. Either way the response
// passed through the route group's middleware: it carries the group's
// policy headers and Cache-Control: no-store, like every page. Vary names
// the headers that chose between the two, so no cache hands one for the
// other.
//
// A fragment follows the kit's rule (csptest.AssertFragment): no <script>,
// no <style>, no on*= or style= attribute, no hx-on. htmx drops scripts from
// swapped content, and nothing in a fragment can carry the page's nonce;
// behaviour comes from the page's nonced static scripts, by event
// delegation.
func (s *Server) RenderFragment(w http.ResponseWriter, r *http.Request, status int, c templ.Component, page layout.Page) {
	w.Header().Add("Vary", fragmentVary)
	if IsFragmentRequest(r) {
		s.Render(w, r, status, c)
		return
	}
	s.Render(w, r, status, inLayout(page, c))
}

// inLayout renders c as the children of the layout's page.
func inLayout(page layout.Page, c templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return layout.Base(page).Render(templ.WithChildren(ctx, c), w)
	})
}
