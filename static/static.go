// Package static embeds the kit's CSS and JavaScript and serves them under
// content-hashed names, so browsers may cache them forever: a changed file
// gets a new URL. Components resolve plain names ("css/app.css") through
// [Path] and stamp [Integrity] (SRI), so a tampered copy served by a proxy or
// CDN is refused by the browser.
//
// Everything a response needs is computed once at start-up: the hashes, the
// SRI values, the ETags and a gzip-compressed copy of each file that
// compression makes smaller. Serving a file is a map lookup and a write.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Every folder below static/ is embedded, whatever its name: the showcase
// keeps its files in static/showcase/, and deleting that folder (make
// remove-showcase) must leave a pattern that still matches. Go files
// here sit at the top level, outside the pattern.
//
//go:embed */*
var files embed.FS

// asset is one embedded file with what was computed for it at start-up.
type asset struct {
	url       string // Prefix + the hashed name, built once: every page render asks for it
	integrity string // "sha384-…"
	ctype     []string
	identity  variant
	gzipped   variant // body nil when compression would not make it smaller
}

// variant is one encoding of an asset with its response headers, built once.
type variant struct {
	body []byte
	etag []string // `"<hash>"`, or `"<hash>-gz"`: each encoding has its own tag
	size []string // Content-Length
}

// Assets is a set of files indexed once: names, hashes and SRI values.
type Assets struct {
	byName   map[string]*asset
	byHashed map[string]*asset
}

// embedded indexes the files compiled into the binary. Hashing a few small
// files takes well under a millisecond, once per process.
var embedded = mustLoad(files)

func mustLoad(fsys fs.FS) *Assets {
	a, err := load(fsys)
	if err != nil {
		panic(err) // the embedded tree is fixed at build time: this is a build bug
	}
	return a
}

// Path returns the URL of the embedded file name, for example
// Path("css/app.css") == "/static/css/app.3f2a1b9c0d1e.css".
func Path(name string) string { return embedded.Path(name) }

// Lookup returns the content-hashed URL and the SRI value of the embedded
// file name, and false when there is no such file.
func Lookup(name string) (url, integrity string, ok bool) { return embedded.Lookup(name) }

// Integrity returns the SRI value of the embedded file name.
func Integrity(name string) string { return embedded.Integrity(name) }

// Names returns the name of every embedded file, sorted.
func Names() []string {
	names := make([]string, 0, len(embedded.byName))
	for n := range embedded.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Handler serves the embedded files under [Prefix].
func Handler() http.Handler { return embedded }

// HandlerWith serves the embedded files under [Prefix] and hands any other
// name to notFound, so a missing file gets the site's own 404 page.
func HandlerWith(notFound http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !embedded.serve(w, r) {
			notFound.ServeHTTP(w, r)
		}
	})
}

func load(fsys fs.FS) (*Assets, error) {
	a := &Assets{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("static: reading %s: %w", p, err)
		}
		sum := sha256.Sum256(body)
		short := hex.EncodeToString(sum[:6])
		ext := path.Ext(p)
		sri := sha512.Sum384(body)
		gz, err := compress(body)
		if err != nil {
			return fmt.Errorf("static: compressing %s: %w", p, err)
		}
		hashed := strings.TrimSuffix(p, ext) + "." + short + ext
		as := &asset{
			url:       Prefix + hashed,
			integrity: "sha384-" + base64.StdEncoding.EncodeToString(sri[:]),
			ctype:     hv(contentType(ext)),
			identity:  variant{body: body, etag: hv(`"` + short + `"`), size: hv(strconv.Itoa(len(body)))},
			gzipped:   variant{body: gz, etag: hv(`"` + short + `-gz"`), size: hv(strconv.Itoa(len(gz)))},
		}
		a.byName[p], a.byHashed[hashed] = as, as
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: indexing embedded files: %w", err)
	}
	return a, nil
}

// compress returns body gzip-compressed, or nil when that does not make it
// smaller (tiny files, already-compressed formats): then every client gets
// the identity body and nothing is gained by a second copy in memory.
func compress(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	// Best compression: it runs once per file per process, not per request.
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if buf.Len() >= len(body) {
		return nil, nil
	}
	return bytes.Clone(buf.Bytes()), nil
}

func contentType(ext string) string {
	switch ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return "application/octet-stream"
}

// Prefix is where the assets are mounted.
const Prefix = "/static/"

// Lookup returns the content-hashed URL and the SRI value of name
// ("js/site.js"), and false when it is not embedded: a typo, or a file not
// yet added under static/. The script and stylesheet components fail the
// page's render then, naming the file, rather than ship integrity="" and a
// 404.
func (a *Assets) Lookup(name string) (url, integrity string, ok bool) {
	if as, ok := a.byName[name]; ok {
		return as.url, as.integrity, true
	}
	return "", "", false
}

// Path returns the URL of the embedded file name ("css/app.css"): its
// content-hashed form, or the plain path if name is not embedded, so a typo
// shows up as a 404 in the browser. It suits a plain link or an image;
// views/static_names_test.go checks every name written in a view exists.
func (a *Assets) Path(name string) string {
	if as, ok := a.byName[name]; ok {
		return as.url
	}
	return Prefix + name
}

// Integrity returns the SRI value for name, or "" if it is not embedded.
func (a *Assets) Integrity(name string) string {
	if as, ok := a.byName[name]; ok {
		return as.integrity
	}
	return ""
}

// Header values shared by every response. Assigned straight into the
// header map, they cost no allocation per request; each slice has capacity
// equal to its length, so a later Header().Add copies instead of writing
// into the shared array.
var (
	immutable = hv("public, max-age=31536000, immutable")
	noCache   = hv("no-cache")
	nosniff   = hv("nosniff")
	varyAE    = hv("Accept-Encoding")
	gzipEnc   = hv("gzip")
)

func hv(v string) []string { return []string{v}[:1:1] }

// ServeHTTP serves a file by hashed name (cached for a year, immutable) or
// by plain name (revalidated through its ETag), gzip-compressed when the
// client accepts it and compression helped. Lookups are map hits on names
// fixed at build time, so no request path ("..", encoded or not) can reach
// outside them: nothing here ever opens a file.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !a.serve(w, r) {
		http.NotFound(w, r)
	}
}

// serve answers for an embedded file and reports whether there was one;
// when there was not, it has written nothing.
func (a *Assets) serve(w http.ResponseWriter, r *http.Request) bool {
	name, _ := strings.CutPrefix(r.URL.Path, Prefix)
	h := w.Header()
	as, ok := a.byHashed[name]
	if ok {
		// Safe forever: the name changes whenever the content does.
		h["Cache-Control"] = immutable
	} else if as, ok = a.byName[name]; ok {
		h["Cache-Control"] = noCache
	} else {
		return false
	}
	v := &as.identity
	if as.gzipped.body != nil {
		// Caches must key on Accept-Encoding whichever variant this is.
		h["Vary"] = varyAE
		if acceptsGzip(r.Header.Values("Accept-Encoding")) {
			v = &as.gzipped
		}
	}
	h["Content-Type"] = as.ctype
	h["Etag"] = v.etag
	h["X-Content-Type-Options"] = nosniff
	if noneMatch(r.Header.Values("If-None-Match"), v.etag[0]) {
		// A 304 has no body, so no Content-Encoding or Content-Length.
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	if v == &as.gzipped {
		h["Content-Encoding"] = gzipEnc
	}
	h["Content-Length"] = v.size
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(v.body)
	}
	return true
}

// acceptsGzip reports whether Accept-Encoding values allow gzip (RFC 9110
// section 12.5.3): "gzip" (or its alias "x-gzip") with a non-zero q-value,
// or else "*" with one. An explicit "gzip;q=0" refuses gzip even when "*"
// accepts everything. No header at all means identity, which every client
// understands.
func acceptsGzip(values []string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(item, ";")
			q := qValue(params)
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzipQ = max(gzipQ, q)
			case "*":
				starQ = max(starQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}

// qValue reads the weight from a coding's parameters ("q=0.5"). No q means
// 1; a malformed or out-of-range one counts as 0, so a garbled header never
// gets a compressed body it may not be able to read.
func qValue(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q < 0 || q > 1 {
			return 0
		}
		return q
	}
	return 1
}

// noneMatch reports whether If-None-Match values name etag, or are "*"
// (RFC 9110 section 13.1.2). The comparison is weak: a W/ prefix is
// ignored, as the spec requires for If-None-Match.
func noneMatch(values []string, etag string) bool {
	for _, v := range values {
		for tag := range strings.SplitSeq(v, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
				return true
			}
		}
	}
	return false
}
