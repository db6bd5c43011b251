package main

import (
	"bytes"
	"fmt"
	"go/format"
	"strings"
	"text/template"
)

// The files a page starts with. Each is what the README's "Adding a page"
// shows, formatted as `templ fmt` and gofmt want, so `make test` passes on
// the scaffold as written; the README's test compares them.
var (
	templSource = template.Must(template.New("templ").Parse(`package pages

import "{{.Module}}/views/layout"

// {{.Component}} is the page at {{.Path}}. Its handler is in
// internal/server/{{.File}}_page.go, its route in internal/server/routes.go.
templ {{.Component}}() {
	@layout.Base(layout.Page{Title: "{{.Title}}", Path: "{{.Path}}"}) {
		<h1>{{.Title}}</h1>
		<p>This page is <code>views/pages/{{.File}}.templ</code>.</p>
	}
}
`))

	handlerSource = template.Must(template.New("handler").Parse(`package server

import (
	"net/http"

	"{{.Module}}/views/pages"
)

{{if .Cacheable}}// {{.Handler}} serves {{.Path}}. Its route is in the cacheable group of
// routes.go: the page is the same for every visitor and may be cached; it
// carries no nonce, and its scripts run by hash.{{else}}// {{.Handler}} serves {{.Path}}. Its route is in the site group of
// routes.go: the page gets the site's strict policy and a fresh nonce.{{end}}
func (s *Server) {{.Handler}}(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, pages.{{.Component}}())
}
`))

	testSource = template.Must(template.New("test").Parse(`package server

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/csp/csptest"
)

// {{.Test}}: {{.Path}} is served, and every script, style and stylesheet
// on it carries the response's nonce.
func {{.Test}}(t *testing.T) {
	t.Parallel()
	rec := get(t, newTestServer(t, Options{}), "{{.Path}}")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "<h1>{{.Title}}</h1>")
	csptest.AssertNonced(t, rec.Result())
}
`))

	cacheableTestSource = template.Must(template.New("test").Parse(`package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/noncekit/noncekit/csp/csptest"
)

// {{.Test}}: {{.Path}} is the same for every visitor: public caching, a
// strong ETag and a 304 for it, no nonce anywhere, and every script and
// style allowed by hash or location.
func {{.Test}}(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	rec := get(t, s, "{{.Path}}")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "<h1>{{.Title}}</h1>")
	assert.Contains(t, rec.Header().Get("Cache-Control"), "public")
	assert.NotContains(t, rec.Body.String(), "nonce")
	csptest.AssertNonced(t, rec.Result())

	req := httptest.NewRequest(http.MethodGet, "{{.Path}}", nil)
	req.Header.Set("If-None-Match", rec.Header().Get("Etag"))
	again := httptest.NewRecorder()
	s.ServeHTTP(again, req)
	assert.Equal(t, http.StatusNotModified, again.Code)
}
`))
)

// testTemplate is the page's test: a nonced page's, or a cacheable one's.
func (p page) testTemplate() *template.Template {
	if p.Cacheable {
		return cacheableTestSource
	}
	return testSource
}

// The lines of routes.go that new pages are added above. Each must be
// there exactly once: the route's inside the site group, the link's inside
// the list of s.links.
const (
	routeMarker     = "// make page adds routes above this line"
	cacheableMarker = "// make page CACHE=public adds pages above this line"
	linkMarker      = "// make page adds links above this line"
)

// render fills a file template; Go files come out gofmt-formatted.
func render(t *template.Template, p page) ([]byte, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, p); err != nil {
		return nil, fmt.Errorf("filling the %s template: %w", t.Name(), err)
	}
	if t == templSource {
		return b.Bytes(), nil
	}
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting the %s template: %w", t.Name(), err)
	}
	return out, nil
}

// addRoute returns routes.go with the page's route above the route marker
// and its nav link above the link marker, each indented like its marker.
func addRoute(src []byte, p page) ([]byte, error) {
	marker, route := routeMarker, fmt.Sprintf("r.Get(%q, s.%s)", p.Path, p.Handler)
	if p.Cacheable {
		marker, route = cacheableMarker, fmt.Sprintf("s.cacheablePage(r, %q, s.%s)", p.Path, p.Handler)
	}
	out, err := insertAbove(src, marker, route)
	if err != nil {
		return nil, err
	}
	out, err = insertAbove(out, linkMarker, fmt.Sprintf("{Href: %q, Label: %q, Nav: true},", p.Path, p.Title))
	if err != nil {
		return nil, err
	}
	formatted, err := format.Source(out)
	if err != nil {
		return nil, fmt.Errorf("internal/server/routes.go does not parse with the route added: %w", err)
	}
	return formatted, nil
}

// insertAbove inserts line above the one line of src that is marker.
func insertAbove(src []byte, marker, line string) ([]byte, error) {
	lines := strings.SplitAfter(string(src), "\n")
	at := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == marker {
			if at >= 0 {
				return nil, fmt.Errorf("internal/server/routes.go has the line %q twice: keep one", marker)
			}
			at = i
		}
	}
	if at < 0 {
		return nil, fmt.Errorf("internal/server/routes.go has no line %q: put it back (%s)", marker, markerHome[marker])
	}
	indent := lines[at][:len(lines[at])-len(strings.TrimLeft(lines[at], " \t"))]
	lines = append(lines[:at], append([]string{indent + line + "\n"}, lines[at:]...)...)
	return []byte(strings.Join(lines, "")), nil
}

// markerHome says where each marker belongs, for the refusal.
var markerHome = map[string]string{
	routeMarker:     "inside the site group, the r.Group that uses s.site",
	cacheableMarker: "inside the cacheable group, the r.Group whose csp.Group has CacheFor",
	linkMarker:      "as the last line of the s.links list",
}
