package csp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nonced runs h under a group enforcing the strict policy and returns the
// header's nonce and the body h wrote. An outer middleware may wrap the
// group, as a user's own would.
func nonced(t *testing.T, outer func(http.Handler) http.Handler, h func(w http.ResponseWriter, r *http.Request)) (nonce, body string) {
	t.Helper()
	m := newQuietManager()
	var handler http.Handler = m.Middleware(Group{Name: "site", Enforce: strict})(http.HandlerFunc(h))
	require.NoError(t, m.Err())
	if outer != nil {
		handler = outer(handler)
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	n := headerNonces(t, rec.Header().Get(HeaderCSP))
	require.NotEmpty(t, n)
	return n[0], rec.Body.String()
}

// TestTemplSeesTheNonce: templ's own nonced output (JSONScript, script
// templates) carries the header's nonce, in the request context and in any
// context templ derives from it, whether or not templ's render state
// existed before the group ran.
func TestTemplSeesTheNonce(t *testing.T) {
	script := templ.ComponentScript{Name: "hello", Function: "function hello(){}", Call: "hello()"}
	render := func(c templ.Component) func(w http.ResponseWriter, r *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) { _ = c.Render(r.Context(), w) }
	}
	initialised := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(templ.InitializeContext(r.Context())))
		})
	}
	tests := []struct {
		name  string
		outer func(http.Handler) http.Handler
		h     func(w http.ResponseWriter, r *http.Request)
	}{
		{"JSONScript", nil, render(templ.JSONScript("data", 1))},
		{"script template", nil, func(w http.ResponseWriter, r *http.Request) {
			_ = templ.RenderScriptItems(r.Context(), w, script)
		}},
		{"a context templ derived", nil, func(w http.ResponseWriter, r *http.Request) {
			ctx := templ.WithChildren(templ.InitializeContext(r.Context()), templ.NopComponent)
			_ = templ.JSONScript("data", 1).Render(ctx, w)
		}},
		{"templ state made before the group", initialised, render(templ.JSONScript("data", 1))},
		{"NonceFrom", nil, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `nonce="`+NonceFrom(r.Context())+`"`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nonce, body := nonced(t, tt.outer, tt.h)
			assert.Contains(t, body, `nonce="`+nonce+`"`)
		})
	}
}

// TestTemplStateIsPerResponse: templ deduplicates script templates within
// one response through its render state; every lookup in a response,
// concurrent ones included, must see the same state, and no state may be
// shared between responses.
func TestTemplStateIsPerResponse(t *testing.T) {
	script := templ.ComponentScript{Name: "once", Function: "function once(){}", Call: "once()"}
	for range 2 {
		_, body := nonced(t, nil, func(w http.ResponseWriter, r *http.Request) {
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() { _ = templ.GetNonce(r.Context()) })
			}
			wg.Wait()
			_ = templ.RenderScriptItems(r.Context(), w, script)
			_ = templ.RenderScriptItems(r.Context(), w, script)
		})
		assert.Equal(t, 1, strings.Count(body, "function once()"), body)
	}
}

func TestNonceFromOutsideAGroup(t *testing.T) {
	assert.Empty(t, NonceFrom(context.Background()))
	// A nonce set with templ directly, as a hand-written middleware would.
	assert.Equal(t, "abc", NonceFrom(templ.WithNonce(context.Background(), "abc")))
}
