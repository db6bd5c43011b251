package csp

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fixed blocks and the file a cacheable test page renders.
var (
	cacheTestHashes Hashes
	cacheTestScript = cacheTestHashes.Script(`document.body.dataset.ran = "yes";`)
	cacheTestStyle  = cacheTestHashes.Style(`body { color: teal; }`)
)

const cacheTestIntegrity = "sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"

// cacheablePolicy allows cacheTestHashes' blocks and the file by hash.
func cacheablePolicy() Policy {
	return New().
		Set(DefaultSrc, Self).
		Set(ScriptSrc, append(cacheTestHashes.ScriptHashes(), IntegritySource(cacheTestIntegrity), StrictDynamic)...).
		Set(StyleSrc, append([]Source{Self}, cacheTestHashes.StyleHashes()...)...).
		Set(ObjectSrc, None).
		Set(BaseURI, None)
}

// page renders what a cacheable page may hold, then extra.
func page(extra templ.Component) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		for _, c := range []templ.Component{cacheTestStyle, Stylesheet("/app.css", ""), Script("/app.js", cacheTestIntegrity), cacheTestScript, extra} {
			if c == nil {
				continue
			}
			if err := c.Render(r.Context(), &b); err != nil {
				http.Error(w, "render: "+err.Error(), http.StatusInternalServerError)
				return
			}
		}
		_, _ = w.Write(b.Bytes())
	})
}

func cacheableHandler(t *testing.T, logs io.Writer, next http.Handler) http.Handler {
	t.Helper()
	m := NewManager()
	m.Logger = slog.New(slog.NewTextHandler(logs, nil))
	h := m.Middleware(Group{Name: "pricing", Enforce: cacheablePolicy(), CacheFor: 5 * time.Minute})(next)
	require.NoError(t, m.Err())
	return h
}

func get(h http.Handler, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/pricing", nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestCacheableResponses: a cacheable page carries no nonce anywhere, is
// public for CacheFor with a strong ETag, the same bytes every time, and
// If-None-Match gets a 304 without a body.
func TestCacheableResponses(t *testing.T) {
	h := cacheableHandler(t, io.Discard, page(nil))
	first, second := get(h), get(h)
	require.Equal(t, http.StatusOK, first.Code, first.Body.String())
	assert.Equal(t, first.Body.String(), second.Body.String(), "the same bytes on every request")
	assert.Equal(t, first.Header(), second.Header(), "and the same header")
	body := first.Body.String()
	assert.NotContains(t, body, "nonce")
	assert.Contains(t, body, `<script src="/app.js" integrity="`+cacheTestIntegrity+`"></script>`)
	assert.Contains(t, body, `<link rel="stylesheet" href="/app.css">`)
	h1 := first.Header()
	assert.Equal(t, "public, max-age=300", h1.Get("Cache-Control"))
	assert.NotContains(t, h1.Get(HeaderCSP), "nonce")
	assert.Contains(t, h1.Get(HeaderCSP), "'strict-dynamic'")
	etag := h1.Get("Etag")
	assert.Regexp(t, `^"[A-Za-z0-9_-]{24}"$`, etag, "a strong ETag")
	assert.Equal(t, "", h1.Get("Vary"))

	for _, inm := range []string{etag, `W/` + etag, `"other", ` + etag, "*"} {
		rec := get(h, "If-None-Match", inm)
		assert.Equal(t, http.StatusNotModified, rec.Code, inm)
		assert.Empty(t, rec.Body.String(), inm)
		assert.Equal(t, etag, rec.Header().Get("Etag"), inm)
		assert.Equal(t, "public, max-age=300", rec.Header().Get("Cache-Control"), inm)
	}
	assert.Equal(t, http.StatusOK, get(h, "If-None-Match", `"other"`).Code)
}

// TestCacheableRefusesWhatNeedsANonce: whatever would put a known nonce in
// a cache, or break on every cached copy, is a 500, logged with why.
func TestCacheableRefusesWhatNeedsANonce(t *testing.T) {
	raw := func(s string) templ.Component {
		return templ.ComponentFunc(func(_ context.Context, w io.Writer) error { _, err := io.WriteString(w, s); return err })
	}
	for _, tt := range []struct {
		name  string
		extra templ.Component
		set   func(http.ResponseWriter)
		want  string
	}{
		{"a tag written with a nonce", raw(`<script nonce="abc">x()</script>`), nil, `a cacheable page carries no nonce`},
		{"an inline script without its hash", raw(`<script>alert(1)</script>`), nil, "an inline <script> whose hash script-src does not list"},
		{"a module script without its hash", raw(`<script type="module">alert(1)</script>`), nil, "an inline <script>"},
		{"an inline style without its hash", raw(`<style>p{}</style>`), nil, "an inline <style>"},
		{"a script file without integrity", raw(`<script src="/other.js"></script>`), nil, `/other.js`},
		{"a script file with another integrity", Script("/x.js", "sha384-AAAA"), nil, `sha384-AAAA`},
		{"csp.InlineScript", InlineScript(`x()`), nil, "render: csp: an inline script on a cacheable page"},
		{"a cookie", nil, func(w http.ResponseWriter) { http.SetCookie(w, &http.Cookie{Name: "s", Value: "1"}) }, "it sets a cookie"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			next := page(tt.extra)
			if tt.set != nil {
				inner := next
				next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tt.set(w); inner.ServeHTTP(w, r) })
			}
			rec := get(cacheableHandler(t, &logs, next))
			require.Equal(t, http.StatusInternalServerError, rec.Code)
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			assert.Empty(t, rec.Header().Get("Etag"))
			assert.Empty(t, rec.Header().Values("Set-Cookie"))
			assert.NotContains(t, rec.Body.String(), "<script")
			if strings.HasPrefix(tt.want, "render:") {
				assert.Contains(t, rec.Body.String(), strings.TrimPrefix(tt.want, "render: "), "the handler's own 500")
				return
			}
			assert.Contains(t, logs.String(), "refusing a cacheable response")
			assert.Contains(t, logs.String(), tt.want)
		})
	}
}

// TestCacheableErrorsAreNotCached: a 404 or a redirect is per request.
func TestCacheableErrorsAreNotCached(t *testing.T) {
	h := cacheableHandler(t, io.Discard, http.NotFoundHandler())
	rec := get(h)
	assert.Equal(t, http.StatusNotFound, rec.Code)
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	assert.Empty(t, rec.Header().Get("Etag"))
}

// TestCacheableInsideANoncedGroup: a cacheable group nested in a nonced
// one replaces its headers and renders without the nonce the outer group
// drew.
func TestCacheableInsideANoncedGroup(t *testing.T) {
	m := NewManager()
	site := m.Middleware(Group{Name: "site", Enforce: strict})
	pricing := m.Middleware(Group{Name: "pricing", Enforce: cacheablePolicy(), CacheFor: time.Hour})
	require.NoError(t, m.Err())
	rec := get(site(pricing(page(nil))))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.NotContains(t, rec.Body.String(), "nonce")
	assert.NotContains(t, rec.Header().Get(HeaderCSP), "nonce")
	assert.Equal(t, "public, max-age=3600", rec.Header().Get("Cache-Control"))
}

// TestCacheableGroupsNeedAHashPolicy: a cacheable group's policy is
// refused at start-up unless it allows scripts by hash alone.
func TestCacheableGroupsNeedAHashPolicy(t *testing.T) {
	good := cacheablePolicy()
	for _, tt := range []struct {
		name  string
		group Group
		want  string
	}{
		{"a nonce", Group{Enforce: good.Add(ScriptSrc, Nonce)}, "script-src: a cacheable group's responses carry no nonce"},
		{"'self' for scripts", Group{Enforce: good.Add(ScriptSrc, Self)}, "script-src: 'self': a cacheable policy allows scripts by hash only"},
		{"a host for scripts", Group{Enforce: good.Add(ScriptSrc, "https://cdn.example")}, "script-src: https://cdn.example"},
		{"no 'strict-dynamic'", Group{Enforce: good.Replace(ScriptSrc, cacheTestHashes.ScriptHashes()...)}, "add 'strict-dynamic'"},
		{"no hash", Group{Enforce: good.Replace(ScriptSrc, StrictDynamic)}, "no hash source"},
		{"no object-src", Group{Enforce: good.Without(ObjectSrc).Replace(DefaultSrc, Self)}, "object-src: must be 'none'"},
		{"no base-uri", Group{Enforce: good.Without(BaseURI)}, "base-uri: must be 'none'"},
		{"a nonce in report-only", Group{Enforce: good, ReportOnly: strict}, "report-only policy: script-src: a cacheable group's responses carry no nonce"},
		{"less than a second", Group{Enforce: good, CacheFor: time.Millisecond}, "CacheFor 1ms: want at least 1s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := NewManager()
			g := tt.group
			g.Name = "pricing"
			if g.CacheFor == 0 {
				g.CacheFor = time.Minute
			}
			m.Middleware(g)
			require.Error(t, m.Err())
			assert.Contains(t, m.Err().Error(), `csp group "pricing"`)
			assert.Contains(t, m.Err().Error(), tt.want)
		})
	}
	m := NewManager()
	m.Middleware(Group{Name: "pricing", Enforce: good, CacheFor: time.Minute})
	assert.NoError(t, m.Err())
}
