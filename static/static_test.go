package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bigCSS compresses well, so its asset has a gzip variant.
var bigCSS = []byte(strings.Repeat("body { color: #333; margin: 0 auto; }\n", 50))

func testAssets(t *testing.T, files map[string][]byte) *Assets {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: body}
	}
	a, err := load(fsys)
	require.NoError(t, err)
	return a
}

func serve(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return out
}

func TestChangedFileGetsNewURL(t *testing.T) {
	before := testAssets(t, map[string][]byte{"css/app.css": bigCSS, "js/site.js": []byte("let a = 1;")})
	after := testAssets(t, map[string][]byte{"css/app.css": bigCSS, "js/site.js": []byte("let a = 2;")})

	assert.NotEqual(t, before.Path("js/site.js"), after.Path("js/site.js"), "a changed file must get a new URL")
	assert.NotEqual(t, before.Integrity("js/site.js"), after.Integrity("js/site.js"))
	assert.Equal(t, before.Path("css/app.css"), after.Path("css/app.css"), "an unchanged file keeps its URL and its cache entries")
	assert.Regexp(t, `^/static/js/site\.[0-9a-f]{12}\.js$`, after.Path("js/site.js"))
	assert.Regexp(t, `^sha384-[A-Za-z0-9+/]{64}$`, after.Integrity("js/site.js"))

	// The old URL is gone from the new set: a stale page asking for it gets
	// a 404 rather than the new bytes under the old SRI value.
	assert.Equal(t, http.StatusNotFound, serve(after, http.MethodGet, before.Path("js/site.js")).Code)
}

func TestCaching(t *testing.T) {
	a := testAssets(t, map[string][]byte{"css/app.css": bigCSS})
	tests := []struct {
		name         string
		path         string
		status       int
		cacheControl string
	}{
		{"hashed name is immutable", a.Path("css/app.css"), 200, "public, max-age=31536000, immutable"},
		{"plain name revalidates", "/static/css/app.css", 200, "no-cache"},
		{"unknown name", "/static/css/other.css", 404, ""},
		{"wrong hash", "/static/css/app.000000000000.css", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(a, http.MethodGet, tt.path)
			require.Equal(t, tt.status, rec.Code)
			if tt.status != 200 {
				return
			}
			assert.Equal(t, tt.cacheControl, rec.Header().Get("Cache-Control"))
			assert.Equal(t, "text/css; charset=utf-8", rec.Header().Get("Content-Type"))
			assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			assert.Equal(t, bigCSS, rec.Body.Bytes())
		})
	}
}

func TestGzipNegotiation(t *testing.T) {
	a := testAssets(t, map[string][]byte{"css/app.css": bigCSS})
	tests := []struct {
		acceptEncoding []string
		gzip           bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"GZip"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"gzip, deflate, br, zstd"}, true},
		{[]string{"br;q=1.0, gzip;q=0.8, *;q=0.1"}, true},
		{[]string{"deflate", "gzip;q=0.001"}, true},
		{[]string{"gzip ; q=1"}, true},
		{[]string{"*"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip;q=0.000"}, false},
		{[]string{"gzip;q=0, *"}, false},
		{[]string{"*;q=0"}, false},
		{[]string{"*;q=0, gzip"}, true},
		{[]string{"identity"}, false},
		{[]string{"br, deflate"}, false},
		{[]string{"gzip;q=abc"}, false},
		{[]string{"gzip;q=2"}, false},
		{[]string{"gzip;q=-1"}, false},
		{[]string{"gzipped"}, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.acceptEncoding, "|"), func(t *testing.T) {
			var hdr []string
			for _, v := range tt.acceptEncoding {
				hdr = append(hdr, "Accept-Encoding", v)
			}
			rec := serve(a, http.MethodGet, a.Path("css/app.css"), hdr...)
			require.Equal(t, 200, rec.Code)
			assert.Equal(t, "Accept-Encoding", rec.Header().Get("Vary"), "both variants must tell caches they vary")
			assert.Equal(t, "public, max-age=31536000, immutable", rec.Header().Get("Cache-Control"))
			if !tt.gzip {
				assert.Empty(t, rec.Header().Get("Content-Encoding"))
				assert.Equal(t, bigCSS, rec.Body.Bytes())
				return
			}
			assert.Equal(t, "gzip", rec.Header().Get("Content-Encoding"))
			assert.Less(t, rec.Body.Len(), len(bigCSS))
			assert.Equal(t, bigCSS, gunzip(t, rec.Body.Bytes()), "gzip round trip must equal the original")
		})
	}
}

func TestGzipOnlyWhenSmaller(t *testing.T) {
	a := testAssets(t, map[string][]byte{"js/tiny.js": []byte("x()")})
	rec := serve(a, http.MethodGet, a.Path("js/tiny.js"), "Accept-Encoding", "gzip")
	require.Equal(t, 200, rec.Code)
	assert.Empty(t, rec.Header().Get("Content-Encoding"))
	assert.Empty(t, rec.Header().Get("Vary"), "one representation: nothing varies")
	assert.Equal(t, "x()", rec.Body.String())
}

func TestEmbeddedFilesRoundTrip(t *testing.T) {
	// Every embedded file served compressed decompresses to its bytes.
	for name, as := range embedded.byName {
		t.Run(name, func(t *testing.T) {
			rec := serve(Handler(), http.MethodGet, Path(name), "Accept-Encoding", "gzip")
			require.Equal(t, 200, rec.Code)
			got := rec.Body.Bytes()
			if rec.Header().Get("Content-Encoding") == "gzip" {
				got = gunzip(t, got)
			}
			assert.Equal(t, as.identity.body, got)
		})
	}
}

func TestConditionalRequests(t *testing.T) {
	a := testAssets(t, map[string][]byte{"css/app.css": bigCSS})
	plain := serve(a, http.MethodGet, a.Path("css/app.css"))
	gz := serve(a, http.MethodGet, a.Path("css/app.css"), "Accept-Encoding", "gzip")
	etag, gzETag := plain.Header().Get("ETag"), gz.Header().Get("ETag")
	require.Regexp(t, `^"[0-9a-f]{12}"$`, etag)
	require.Equal(t, strings.TrimSuffix(etag, `"`)+`-gz"`, gzETag, "each encoding has its own ETag")

	tests := []struct {
		name           string
		method         string
		acceptEncoding string
		ifNoneMatch    string
		status         int
		etag           string
		body           bool
	}{
		{"identity, its tag", "GET", "", etag, 304, etag, false},
		{"gzip, its tag", "GET", "gzip", gzETag, 304, gzETag, false},
		{"identity, weak tag", "GET", "", "W/" + etag, 304, etag, false},
		{"gzip, tag in a list", "GET", "gzip", `"x", ` + gzETag, 304, gzETag, false},
		{"any tag", "GET", "gzip", "*", 304, gzETag, false},
		{"identity asks with the gzip tag", "GET", "", gzETag, 200, etag, true},
		{"gzip asks with the identity tag", "GET", "gzip", etag, 200, gzETag, true},
		{"stale tag", "GET", "gzip", `"000000000000"`, 200, gzETag, true},
		{"HEAD identity", "HEAD", "", "", 200, etag, false},
		{"HEAD gzip", "HEAD", "gzip", "", 200, gzETag, false},
		{"HEAD gzip, its tag", "HEAD", "gzip", gzETag, 304, gzETag, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.acceptEncoding != "" {
				hdr = append(hdr, "Accept-Encoding", tt.acceptEncoding)
			}
			if tt.ifNoneMatch != "" {
				hdr = append(hdr, "If-None-Match", tt.ifNoneMatch)
			}
			rec := serve(a, tt.method, a.Path("css/app.css"), hdr...)
			require.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.etag, rec.Header().Get("ETag"))
			assert.Equal(t, "Accept-Encoding", rec.Header().Get("Vary"))
			assert.NotEmpty(t, rec.Header().Get("Cache-Control"))
			if tt.status == 304 {
				assert.Empty(t, rec.Body.Bytes())
				assert.Empty(t, rec.Header().Get("Content-Length"))
				return
			}
			want := plain.Body.Len()
			if tt.etag == gzETag {
				want = gz.Body.Len()
			}
			assert.Equal(t, strconv.Itoa(want), rec.Header().Get("Content-Length"), "HEAD announces the length GET would send")
			if tt.body {
				assert.Equal(t, want, rec.Body.Len())
			} else {
				assert.Empty(t, rec.Body.Bytes())
			}
		})
	}
}

// TestTraversalNeverEscapes sends paths that would climb out of the
// embedded tree on a file server that joins paths. Here every one is a map
// miss: a 404 that shows nothing of the module's files.
func TestTraversalNeverEscapes(t *testing.T) {
	targets := []string{
		"/static/../go.mod",
		"/static/../../go.mod",
		"/static/css/../../go.mod",
		"/static/%2e%2e/go.mod",
		"/static/%2E%2E/%2e%2e/go.mod",
		"/static/%2e%2e%2fgo.mod",
		"/static/..%2fgo.mod",
		"/static/..%5cgo.mod",
		"/static/..\\go.mod",
		"/static/css\\..\\..\\go.mod",
		"/static//go.mod",
		"/static//css/app.css",
		"/static/./css/app.css",
		"/static/css/app.css%00",
		"/static/css/app.css%00.js",
		"/static/%00",
		"/static/static.go",
		"/static/",
		"/static/css",
		"/static/css/",
		"/static/css/app.css/",
	}
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			rec := serve(Handler(), http.MethodGet, target)
			assert.Equal(t, http.StatusNotFound, rec.Code)
			assert.NotContains(t, rec.Body.String(), "module ")
			assert.NotContains(t, rec.Body.String(), "package static")
			assert.NotContains(t, rec.Body.String(), "body")
		})
	}
}

// discard keeps one header map and clears it per request.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkServe shows that serving a compressed asset costs no more than
// serving it plain: the gzip body was made at start-up.
func BenchmarkServe(b *testing.B) {
	for _, bc := range []struct{ name, acceptEncoding, ifNoneMatch string }{
		{"encoding=identity", "", ""},
		{"encoding=gzip", "gzip, deflate, br, zstd", ""},
		{"encoding=gzip/not-modified", "gzip, deflate, br, zstd", embedded.byName["css/app.css"].gzipped.etag[0]},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, Path("css/app.css"), nil)
			if bc.acceptEncoding != "" {
				req.Header.Set("Accept-Encoding", bc.acceptEncoding)
			}
			if bc.ifNoneMatch != "" {
				req.Header.Set("If-None-Match", bc.ifNoneMatch)
			}
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				Handler().ServeHTTP(w, req)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	a := testAssets(t, map[string][]byte{"js/site.js": []byte("let a = 1;")})
	url, integrity, ok := a.Lookup("js/site.js")
	require.True(t, ok)
	assert.Equal(t, a.Path("js/site.js"), url)
	assert.Equal(t, a.Integrity("js/site.js"), integrity)
	for _, name := range []string{"js/about.js", "", "site.js", "/js/site.js", "js/site.js/", "JS/site.js"} {
		url, integrity, ok := a.Lookup(name)
		assert.False(t, ok, "%q is not embedded", name)
		assert.Empty(t, url+integrity, "%q: nothing to render", name)
	}
}
