package e2e_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/internal/testsupport/chromium"
	"github.com/noncekit/noncekit/static"
	"github.com/noncekit/noncekit/views/components"
)

// sriScript is the embedded script the test page loads: the layout's own
// site.js. When it runs, a click on [data-theme-toggle] sets the page's
// data-theme, so the page can tell.
const sriScript = "js/site.js"

// TestTamperedAssetFailsSRI serves a page through the kit's components,
// whose <script> carries the SRI value of the embedded file, and then
// serves that file either intact or modified after it was hashed (what a
// compromised CDN or proxy would do). Chromium must run the intact script
// and refuse the tampered one with an integrity error on the console.
func TestTamperedAssetFailsSRI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		tamper   bool
		wantRan  string
		wantLogs bool
	}{
		{"intact file runs", false, "true", false},
		{"tampered file is refused", true, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, fetched := sriServer(t, tt.tamper)
			tb := chromium.NewTab(t)
			tb.Open(t, srv.URL+"/")
			ran := chromium.Eval[string](t, tb, `document.querySelector("[data-theme-toggle]").click(), document.documentElement.dataset.theme ? "true" : ""`)

			// The browser did ask for the file: a refusal below is SRI's,
			// not a 404 or a CSP block.
			require.Positive(t, fetched.Load(), "the script was never fetched")
			assert.Equal(t, tt.wantRan, ran, "data-ran set by the script")
			var integrity, all []string
			for _, m := range tb.TakeConsole() {
				all = append(all, m.String())
				assert.False(t, strings.Contains(m.Text, "Content Security Policy"), "the nonce must let the script load: %s", m)
				if strings.Contains(m.Text, "integrity") {
					integrity = append(integrity, m.String())
				}
			}
			if tt.wantLogs {
				require.NotEmpty(t, integrity, "no integrity error on the console; saw: %q", all)
				// Chromium 156: "Failed to find a valid digest in the
				// 'integrity' attribute for resource '<url>' with computed
				// SHA-384 integrity '…'. The resource has been blocked."
				assert.True(t, strings.HasPrefix(integrity[0], "error: "), integrity[0])
				assert.Contains(t, integrity[0], static.Path(sriScript))
				assert.Contains(t, integrity[0], "blocked")
			} else {
				assert.Empty(t, integrity)
			}
		})
	}
}

// sriServer serves a page that loads sriScript through components.Script
// under the kit's site policy, and the static files. With tamper set the
// script's bytes are changed after the kit hashed them, so the integrity
// attribute no longer matches. fetched counts requests for the script.
func sriServer(t *testing.T, tamper bool) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	m := csp.NewManager()
	policy := csp.New().
		Set(csp.DefaultSrc, csp.Self).
		Set(csp.ScriptSrc, csp.Nonce, csp.StrictDynamic).
		Set(csp.ObjectSrc, csp.None).
		Set(csp.BaseURI, csp.None)
	site := m.Middleware(csp.Group{Name: "site", Enforce: policy})
	require.NoError(t, m.Err())

	page := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if _, err := io.WriteString(w, `<!doctype html><html><head><title>SRI</title></head><body><button data-theme-toggle>theme</button><div>`); err != nil {
			return err
		}
		if err := components.Script(sriScript).Render(ctx, w); err != nil {
			return err
		}
		_, err := io.WriteString(w, `</div></body></html>`)
		return err
	})

	fetched := new(atomic.Int32)
	scriptPath := static.Path(sriScript)
	assets := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == scriptPath {
			fetched.Add(1)
		}
		if !tamper || r.URL.Path != scriptPath {
			static.Handler().ServeHTTP(w, r)
			return
		}
		// Take the real response, identity-encoded, and change one byte
		// of code that still runs: only SRI can tell.
		r = r.Clone(r.Context())
		r.Header.Del("Accept-Encoding")
		r.Header.Del("If-None-Match")
		rec := httptest.NewRecorder()
		static.Handler().ServeHTTP(rec, r)
		body := bytes.Replace(rec.Body.Bytes(), []byte(`"noncekit-theme"`), []byte(`"noncekit-THEME"`), 1)
		require.NotEqual(t, rec.Body.Bytes(), body, "the tamper must change the file")
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})

	mux := http.NewServeMux()
	mux.Handle(static.Prefix, assets)
	mux.Handle("/", site(templ.Handler(page)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, fetched
}
