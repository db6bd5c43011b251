package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/csptest"
	"github.com/noncekit/noncekit/views/layout"
)

// greeting is a fragment that follows the kit's rule.
var greeting = templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, `<p class="greeting" data-greeting>Hello.</p>`)
	return err
})

// TestRenderFragment: htmx's own request gets the component alone; every
// other request, boosted and history restores included, gets the whole
// page. Both pass through the group's middleware (its policy, no-store) and
// name the headers that chose between them in Vary.
func TestRenderFragment(t *testing.T) {
	s := newTestServer(t, Options{})
	h := s.site(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.RenderFragment(w, r, http.StatusOK, greeting, layout.Page{Title: "Greeting", Path: "/greeting", HTMX: true})
	}))
	tests := []struct {
		name     string
		headers  map[string]string
		fragment bool
	}{
		{"a visit", nil, false},
		{"htmx's request", map[string]string{"HX-Request": "true"}, true},
		{"htmx's request, with its other headers", map[string]string{"HX-Request": "true", "HX-Target": "out", "HX-Current-URL": "http://example.com/"}, true},
		{"a boosted link", map[string]string{"HX-Request": "true", "HX-Boosted": "true"}, false},
		{"a history restore", map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"}, false},
		{"a history restore without HX-Request", map[string]string{"HX-History-Restore-Request": "true"}, false},
		{"HX-Request not true", map[string]string{"HX-Request": "false"}, false},
		{"HX-Boosted false", map[string]string{"HX-Request": "true", "HX-Boosted": "false"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/greeting", nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			assert.Equal(t, tt.fragment, IsFragmentRequest(req))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, http.StatusOK, rec.Code)
			body := rec.Body.String()
			assert.Contains(t, body, `<p class="greeting" data-greeting>Hello.</p>`)
			assert.Equal(t, []string{"HX-Request, HX-Boosted, HX-History-Restore-Request"}, rec.Header().Values("Vary"))
			assert.Contains(t, rec.Header().Get(csp.HeaderCSP), "report-uri /csp-report?group=site", "the group's policy")
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
			if tt.fragment {
				assert.Equal(t, `<p class="greeting" data-greeting>Hello.</p>`, body, "the component alone")
				csptest.AssertFragment(t, rec.Result())
			} else {
				assert.True(t, strings.HasPrefix(body, "<!doctype html>"), "a whole page")
				assert.Contains(t, body, "<title>Greeting · Noncekit</title>")
				assert.Contains(t, body, `<meta name="htmx-config"`, "the page asked for htmx")
				csptest.AssertNonced(t, rec.Result())
			}
		})
	}
}

// TestRenderFragmentKeepsOtherVary: the fragment's Vary is added to what
// a middleware had already set, not written over it.
func TestRenderFragmentKeepsOtherVary(t *testing.T) {
	s := newTestServer(t, Options{})
	rec := httptest.NewRecorder()
	rec.Header().Set("Vary", "Accept-Encoding")
	s.RenderFragment(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, greeting, layout.Page{Title: "x"})
	assert.Equal(t, []string{"Accept-Encoding", "HX-Request, HX-Boosted, HX-History-Restore-Request"}, rec.Header().Values("Vary"))
}

// TestRenderFragmentStatus: the status reaches the client either way, and a
// failing component is a clean 500, not half a fragment.
func TestRenderFragmentStatus(t *testing.T) {
	s := newTestServer(t, Options{})
	failing := templ.ComponentFunc(func(context.Context, io.Writer) error { return io.ErrUnexpectedEOF })
	for _, hx := range []bool{false, true} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if hx {
			req.Header.Set("HX-Request", "true")
		}
		rec := httptest.NewRecorder()
		s.RenderFragment(rec, req, http.StatusUnprocessableEntity, greeting, layout.Page{Title: "x"})
		assert.Equal(t, http.StatusUnprocessableEntity, rec.Code, "htmx %v", hx)

		rec = httptest.NewRecorder()
		s.RenderFragment(rec, req, http.StatusOK, failing, layout.Page{Title: "x"})
		assert.Equal(t, http.StatusInternalServerError, rec.Code, "htmx %v", hx)
		assert.NotContains(t, rec.Body.String(), "<html", "htmx %v", hx)
	}
}
