// Package static embeds the kit's CSS and JavaScript and serves them under
// content-hashed names, so browsers may cache them forever: a changed file
// gets a new URL. Components resolve plain names ("css/app.css") through
// [Path] and stamp [Integrity] (SRI), so a tampered copy served by a proxy or
// CDN is refused by the browser.
package static

import (
	"crypto/sha256"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed css js img
var files embed.FS

// asset is one embedded file with what was computed for it at start-up.
type asset struct {
	name      string // plain name, "css/app.css"
	hashed    string // "css/app.3f2a1b9c0d1e.css"
	body      []byte
	integrity string // "sha384-…"
	etag      string
	ctype     string
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

// Integrity returns the SRI value of the embedded file name.
func Integrity(name string) string { return embedded.Integrity(name) }

// Handler serves the embedded files under [Prefix].
func Handler() http.Handler { return embedded }

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
		as := &asset{
			name:      p,
			hashed:    strings.TrimSuffix(p, ext) + "." + short + ext,
			body:      body,
			integrity: "sha384-" + base64.StdEncoding.EncodeToString(sri[:]),
			etag:      `"` + short + `"`,
			ctype:     contentType(ext),
		}
		a.byName[p], a.byHashed[as.hashed] = as, as
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: indexing embedded files: %w", err)
	}
	return a, nil
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

// Path returns the URL of the embedded file name ("css/app.css"): its
// content-hashed form, or the plain path if name is not embedded, so a typo
// shows up as a 404 in the browser rather than a broken page render.
func (a *Assets) Path(name string) string {
	if as, ok := a.byName[name]; ok {
		return Prefix + as.hashed
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

// ServeHTTP serves a file by hashed name (cached for a year, immutable) or
// by plain name (revalidated through its ETag). Lookups are map hits on
// names fixed at build time, so no request path can reach outside them.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, Prefix)
	h := w.Header()
	as, ok := a.byHashed[name]
	if ok {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else if as, ok = a.byName[name]; ok {
		h.Set("Cache-Control", "no-cache")
	} else {
		http.NotFound(w, r)
		return
	}
	h.Set("Content-Type", as.ctype)
	h.Set("ETag", as.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, as.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", fmt.Sprint(len(as.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(as.body)
	}
}
