package server

import "github.com/go-chi/chi/v5"

// Routes returns the router, so tests can walk every route with chi.Walk:
// the nonce-coverage and policy-snapshot tests cover a route the moment it
// is registered, without a second list to keep in sync.
func (s *Server) Routes() chi.Routes {
	// routes() builds a *chi.Mux; the assertion fails only if it stops
	// doing so, which every test that walks the routes would show at once.
	return s.handler.(chi.Routes)
}
