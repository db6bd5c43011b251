package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
)

// cacheablePage registers a page of the cacheable group (routes.go):
// GET pattern, served by h, and rendered once at start-up by
// checkCacheablePages.
func (s *Server) cacheablePage(r chi.Router, pattern string, h http.HandlerFunc) {
	r.Get(pattern, h)
	s.cacheablePaths = append(s.cacheablePaths, pattern)
}

// checkCacheablePages renders each cacheable page once, at start-up, so
// that a page that needs a nonce, or renders an inline block the group's
// policy has no hash for, stops the start naming its path, instead of
// answering 500 to its first visitor (the CSP middleware logs the element
// it refused). Such a page is the same for every visitor: this render
// costs what its first request would.
func (s *Server) checkCacheablePages() error {
	var errs []error
	for _, path := range s.cacheablePaths {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, path, nil)
		if err != nil {
			return fmt.Errorf("cacheable page %q: %w", path, err)
		}
		w := &statusWriter{header: http.Header{}}
		s.handler.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			errs = append(errs, fmt.Errorf("server: cacheable page GET %s answers %d: the reason is logged above", path, w.code))
		}
	}
	return errors.Join(errs...)
}

// statusWriter keeps a response's status and discards its body.
type statusWriter struct {
	header http.Header
	code   int
}

func (w *statusWriter) Header() http.Header { return w.header }

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}
