package csp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
)

// A cacheable group ([Group].CacheFor) serves pages that are the same for
// every visitor, so that a CDN or the browser may keep them: a marketing
// page, docs, a pricing table. Google's strict-CSP guidance: nonces for
// server-rendered pages, hashes for static or cached ones.
//
// The threat: a cached nonce is a known nonce. Whoever fetched the cached
// page knows the nonce every later visitor's copy carries, and markup they
// inject elsewhere on that page runs. So a cacheable group's responses
// carry no nonce at all, and its policy allows scripts by hash only:
//
//   - At compile time its policies must hold no nonce slot, script-src
//     must list hash sources and 'strict-dynamic' and no 'self', host or
//     scheme, and object-src and base-uri must be 'none'.
//   - Each response is rendered into a buffer and checked before it
//     leaves: a nonce attribute anywhere, an inline script or style whose
//     hash the policy does not list, or an external script whose integrity
//     it does not list makes it a 500, logged with the element, never a
//     cached page that breaks or carries a nonce; so does a Set-Cookie.
//     The check runs once per distinct body.
//   - A 200 gets Cache-Control: public, max-age=CacheFor, a strong ETag
//     (a hash of the body), and If-None-Match is answered with 304.
//
// In the page, [Script], [ScriptDefer] and [Stylesheet] render without a
// nonce attribute, and [InlineScript] and [InlineStyle] fail the render:
// declare fixed blocks with [Hashes] and list their hashes in the policy.

// cacheableKey marks a request context as a cacheable group's.
type cacheableKey struct{}

// withoutNonce returns ctx with templ's nonce emptied: a nonced group that
// ran before a cacheable one put its nonce there.
func withoutNonce(ctx context.Context) context.Context { return templ.WithNonce(ctx, "") }

// Cacheable reports whether ctx is the request of a cacheable group
// ([Group].CacheFor): what its handler renders goes to every visitor, so
// it must hold nothing of this one (a signed-in name, a CSRF token).
func Cacheable(ctx context.Context) bool {
	v, _ := ctx.Value(cacheableKey{}).(bool)
	return v
}

// MaxCacheableBody caps what a cacheable group buffers to hash and check.
// A larger response is refused with 500: a page this size is not a page.
const MaxCacheableBody = 4 << 20

// checkCacheable reports why p cannot be a cacheable group's policy: it
// must allow scripts by hash, never by nonce or location.
func checkCacheable(p Policy) error {
	var errs []error
	for _, d := range p.Directives() {
		if slices.Contains(p.Sources(d), Nonce) {
			errs = append(errs, fmt.Errorf("%s: a cacheable group's responses carry no nonce (a cached nonce is a known nonce): allow scripts and styles by hash", d))
		}
	}
	for _, d := range []Directive{ScriptSrc, ScriptSrcElem} {
		eff, ok := p.Effective(d)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: missing: a cacheable policy allows scripts by hash, with 'strict-dynamic'", d))
			break
		}
		if eff != d && d == ScriptSrcElem {
			break // script-src-elem falls back to script-src, checked above
		}
		srcs := p.Sources(eff)
		if !slices.Contains(srcs, StrictDynamic) {
			errs = append(errs, fmt.Errorf("%s: add 'strict-dynamic': a cacheable policy allows its own scripts by hash and what they load", eff))
		}
		if !slices.ContainsFunc(srcs, func(s Source) bool { return s.Kind() == HashSource }) {
			errs = append(errs, fmt.Errorf("%s: no hash source: list the 'sha256-…' of each inline script and the integrity of each script file", eff))
		}
		for _, s := range srcs {
			if s == Self || s.Kind() == HostSource || s.Kind() == SchemeSource || s == UnsafeInline || s == UnsafeEval {
				errs = append(errs, fmt.Errorf("%s: %s: a cacheable policy allows scripts by hash only", eff, s))
			}
		}
	}
	for _, d := range []Directive{ObjectSrc, BaseURI} {
		eff, ok := p.Effective(d)
		if !ok || !slices.Equal(p.Sources(eff), []Source{None}) {
			errs = append(errs, fmt.Errorf("%s: must be 'none' in a cacheable policy", d))
		}
	}
	return errors.Join(errs...)
}

// cacheGroup is what a cacheable group adds to a compiled group.
type cacheGroup struct {
	control []string // Cache-Control
	// scriptHashes and styleHashes are the hash sources the enforced
	// policy allows inline and external scripts, and inline styles, by.
	scriptHashes, styleHashes []Source
	// checked remembers the ETags of bodies that passed the check, so it
	// runs once per distinct body. Bounded: past maxChecked it is cleared.
	mu      sync.Mutex
	checked map[string]bool
}

const maxChecked = 1024

func newCacheGroup(g Group) *cacheGroup {
	cg := &cacheGroup{
		control: []string{"public, max-age=" + strconv.FormatInt(int64(g.CacheFor/time.Second), 10)},
		checked: map[string]bool{},
	}
	p := g.Enforce
	if p.IsZero() {
		p = g.ReportOnly
	}
	if eff, ok := p.Effective(ScriptSrcElem); ok {
		cg.scriptHashes = hashesOf(p.Sources(eff))
	}
	if eff, ok := p.Effective(StyleSrcElem); ok {
		cg.styleHashes = hashesOf(p.Sources(eff))
	}
	return cg
}

func hashesOf(srcs []Source) []Source {
	var out []Source
	for _, s := range srcs {
		if s.Kind() == HashSource {
			out = append(out, s)
		}
	}
	return out
}

// serveCacheable serves a cacheable group's route: no nonce, the body
// buffered, checked, hashed into an ETag.
func (h *handler) serveCacheable(w http.ResponseWriter, r *http.Request) {
	cg := h.g.cache
	ctx := context.WithValue(r.Context(), cacheableKey{}, true)
	if NonceFrom(ctx) != "" {
		// A nonced group ran first and put its nonce where templ looks:
		// this response must not carry it.
		ctx = withoutNonce(ctx)
	}
	bw := bufferedWriters.Get().(*bufferedWriter)
	*bw = bufferedWriter{header: w.Header(), code: http.StatusOK, body: bw.body}
	bw.body.Reset()
	defer bufferedWriters.Put(bw)
	h.next.ServeHTTP(bw, r.WithContext(ctx))
	hdr := w.Header()
	if bw.overflow {
		h.refuse(w, r, fmt.Errorf("the response is over %d bytes", MaxCacheableBody))
		return
	}
	if bw.code != http.StatusOK {
		// Errors and redirects are per request: not for a shared cache.
		hdr["Cache-Control"] = noStore
		w.WriteHeader(bw.code)
		_, _ = w.Write(bw.body.Bytes())
		return
	}
	if len(hdr.Values("Set-Cookie")) > 0 {
		h.refuse(w, r, errors.New("it sets a cookie: a cacheable page is the same for every visitor"))
		return
	}
	sum := sha256.Sum256(bw.body.Bytes())
	etag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	if err := cg.check(etag, bw.body.Bytes()); err != nil {
		h.refuse(w, r, err)
		return
	}
	hdr["Cache-Control"] = cg.control
	hdr.Set("Etag", etag)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		hdr.Del("Content-Length")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(bw.body.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(bw.body.Bytes())
	}
}

// refuse answers 500 for a cacheable response that failed its check, and
// logs why: the mistake is the page's, found before any cache kept it.
func (h *handler) refuse(w http.ResponseWriter, r *http.Request, err error) {
	h.logger().ErrorContext(r.Context(), "csp: refusing a cacheable response", slog.String("group", h.g.name),
		slog.String("path", r.URL.Path), slog.Any("error", err))
	hdr := w.Header()
	hdr["Cache-Control"] = noStore
	hdr.Del("Etag")
	hdr.Del("Set-Cookie")
	http.Error(w, "internal server error", http.StatusInternalServerError)
}

// check runs checkCacheableBody once per distinct body.
func (cg *cacheGroup) check(etag string, body []byte) error {
	cg.mu.Lock()
	ok := cg.checked[etag]
	cg.mu.Unlock()
	if ok {
		return nil
	}
	if err := checkCacheableBody(body, cg.scriptHashes, cg.styleHashes); err != nil {
		return err
	}
	cg.mu.Lock()
	defer cg.mu.Unlock()
	if len(cg.checked) >= maxChecked {
		clear(cg.checked)
	}
	cg.checked[etag] = true
	return nil
}

// etagMatches is If-None-Match's weak comparison (RFC 9110 13.1.2).
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}

// bufferedWriters recycles the buffers of cacheable responses: a page is
// a few KiB, rendered on every request.
var bufferedWriters = sync.Pool{New: func() any { return new(bufferedWriter) }}

// bufferedWriter keeps a cacheable response until it can be checked and
// hashed. The header is the real writer's: the handler's fields go out
// with the response.
type bufferedWriter struct {
	header   http.Header
	code     int
	wrote    bool
	body     bytes.Buffer
	overflow bool
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if !b.wrote {
		b.code, b.wrote = code, true
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.wrote = true
	if b.body.Len()+len(p) > MaxCacheableBody {
		b.overflow = true
		return 0, errors.New("csp: cacheable response too large")
	}
	return b.body.Write(p)
}
