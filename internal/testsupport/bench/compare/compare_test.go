package compare

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/unrolled/secure"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/internal/server"
	"github.com/noncekit/noncekit/views/components"
)

// securePolicy is the header the kit's middleware sends for
// server.DefaultPolicies().Site (the policy of the kit's pages) over plain http, written
// with secure's $NONCE placeholder: secure takes a header string, not a
// policy value. TestSameHeader checks that the two agree, so a change to the
// kit's policy fails here until secure is given the same one.
const securePolicy = "default-src 'self'; script-src $NONCE 'strict-dynamic'; style-src 'self' $NONCE; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; report-uri /csp-report?group=site"

var noStore = []string{"no-store"}

// secureWithTempl is unrolled/secure set up the way a templ application
// needs it: secure draws the nonce and writes the header, and a second
// middleware bridges secure.CSPNonce into templ.WithNonce so components
// stamp it. It also sends Cache-Control: no-store, as the kit does for every
// nonced response, so both sides produce the same response.
func secureWithTempl() func(http.Handler) http.Handler {
	s := secure.New(secure.Options{ContentSecurityPolicy: securePolicy})
	bridge := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Cache-Control"] = noStore
			ctx := templ.WithNonce(r.Context(), secure.CSPNonce(r.Context()))
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
	return func(next http.Handler) http.Handler { return s.Handler(bridge(next)) }
}

func kitCSP(tb testing.TB) func(http.Handler) http.Handler {
	m := csp.NewManager()
	mw := m.Middleware(csp.Group{Name: "site", Enforce: server.DefaultPolicies().Site})
	require.NoError(tb, m.Err())
	return mw
}

var handlers = []struct {
	name string
	h    http.HandlerFunc
}{
	{"handler=plain", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }},
	{"handler=templ", func(w http.ResponseWriter, r *http.Request) {
		_ = components.Script("js/site.js").Render(r.Context(), w)
	}},
}

func routers(tb testing.TB, h http.HandlerFunc) []struct {
	name string
	r    http.Handler
} {
	bare, kit, sec := chi.NewRouter(), chi.NewRouter(), chi.NewRouter()
	kit.Use(kitCSP(tb))
	sec.Use(secureWithTempl())
	for _, r := range []*chi.Mux{bare, kit, sec} {
		r.Get("/", h)
	}
	return []struct {
		name string
		r    http.Handler
	}{{"router=bare-chi", bare}, {"router=chi+csp", kit}, {"router=chi+secure", sec}}
}

// sink keeps one header map and clears it per request, so every side pays
// the same for the writer.
type sink struct{ h http.Header }

func (s *sink) Header() http.Header         { return s.h }
func (s *sink) Write(p []byte) (int, error) { return len(p), nil }
func (s *sink) WriteHeader(int)             {}

// BenchmarkMiddleware runs bare chi, chi with the kit's CSP middleware and
// chi with unrolled/secure (same policy, nonce bridged into templ) in one
// run, with a trivial handler and with one rendering a generated templ
// component, as every kit page does.
func BenchmarkMiddleware(b *testing.B) {
	for _, hc := range handlers {
		for _, rc := range routers(b, hc.h) {
			b.Run(hc.name+"/"+rc.name, func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				w := &sink{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					rc.r.ServeHTTP(w, req)
				}
			})
		}
	}
}

var nonceRE = regexp.MustCompile(`'nonce-([A-Za-z0-9+/=]+)'`)

// TestSameHeader proves the comparison is fair: both middlewares send the
// same policy and no-store, and stamp their own nonce into templ output.
func TestSameHeader(t *testing.T) {
	var kitHeader, secHeader string
	for _, rc := range routers(t, handlers[1].h) {
		if rc.name == "router=bare-chi" {
			continue
		}
		t.Run(rc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			rc.r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			hdr := rec.Header().Get(csp.HeaderCSP)
			m := nonceRE.FindAllStringSubmatch(hdr, -1)
			require.Len(t, m, 2, hdr)
			assert.Equal(t, m[0][1], m[1][1])
			assert.Contains(t, rec.Body.String(), `nonce="`+m[0][1]+`"`)
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			normalised := nonceRE.ReplaceAllString(hdr, "$$NONCE")
			if rc.name == "router=chi+csp" {
				kitHeader = normalised
			} else {
				secHeader = normalised
			}
		})
	}
	assert.Equal(t, securePolicy, kitHeader)
	assert.Equal(t, kitHeader, secHeader)
}
