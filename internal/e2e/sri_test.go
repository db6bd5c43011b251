package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/csp"
	"github.com/noncekit/noncekit/static"
	"github.com/noncekit/noncekit/views/components"
)

// sriScript is the embedded script the test page loads. When it runs it sets
// data-ran="true" on the element around it, so the page can tell.
const sriScript = "js/demo-external.js"

// TestTamperedAssetFailsSRI serves a page through the kit's components,
// whose <script> carries the SRI value of the embedded file, and then
// serves that file either intact or modified after it was hashed (what a
// compromised CDN or proxy would do). Chromium must run the intact script
// and refuse the tampered one with an integrity error on the console.
func TestTamperedAssetFailsSRI(t *testing.T) {
	ctx := sriBrowser(t)
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
			srv, fetched := sriServer(t, tt.tamper)
			tab, cancel := chromedp.NewContext(ctx)
			defer cancel()
			msgs := sriConsole(t, tab)

			_, err := chromedp.Run(tab, chromedp.NavigateResponse(srv.URL+"/"))
			require.NoError(t, err)
			ran, err := chromedp.Run(tab, chromedp.Evaluate[string](
				`document.querySelector("[data-demo]").dataset.ran ?? ""`))
			require.NoError(t, err)

			// The browser did ask for the file: a refusal below is SRI's,
			// not a 404 or a CSP block.
			require.Positive(t, fetched.Load(), "the script was never fetched")
			assert.Equal(t, tt.wantRan, ran, "data-ran set by the script")
			integrity := msgs.matching("integrity")
			if tt.wantLogs {
				require.NotEmpty(t, integrity, "no integrity error on the console; saw: %q", msgs.all())
				// Chromium 156: "error security: Failed to find a valid digest in
				// the 'integrity' attribute for resource '<url>' with computed
				// SHA-384 integrity '…'. The resource has been blocked."
				assert.True(t, strings.HasPrefix(integrity[0], "error "), integrity[0])
				assert.Contains(t, integrity[0], static.Path(sriScript))
				assert.Contains(t, integrity[0], "blocked")
			} else {
				assert.Empty(t, integrity)
			}
			assert.Empty(t, msgs.matching("Content Security Policy"), "the nonce must let the script load")
		})
	}
}

// sriServer serves a page that loads sriScript through components.Script
// under the kit's site policy, and the static files. With tamper set the
// script's bytes are changed after the kit hashed them, so the integrity
// attribute no longer matches. fetched counts requests for the script.
func sriServer(t *testing.T, tamper bool) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	m := csp.NewManager(nil)
	policy := csp.New().
		Set(csp.DefaultSrc, csp.Self).
		Set(csp.ScriptSrc, csp.Nonce, csp.StrictDynamic).
		Set(csp.ObjectSrc, csp.None).
		Set(csp.BaseURI, csp.None)
	site := m.Middleware(csp.Group{Name: "site", Enforce: policy})
	require.NoError(t, m.Err())

	page := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if _, err := io.WriteString(w, `<!doctype html><html><head><title>SRI</title></head><body><div data-demo>`); err != nil {
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
		body := bytes.Replace(rec.Body.Bytes(), []byte(`"true"`), []byte(`"TRUE"`), 1)
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

// sriMessages collects what a tab logs: console calls, exceptions and the
// browser's own log entries, where Chromium reports SRI failures.
type sriMessages struct {
	mu   sync.Mutex
	msgs []string
}

func (m *sriMessages) add(s string) {
	m.mu.Lock()
	m.msgs = append(m.msgs, s)
	m.mu.Unlock()
}

func (m *sriMessages) all() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.msgs...)
}

func (m *sriMessages) matching(sub string) []string {
	var out []string
	for _, s := range m.all() {
		if strings.Contains(s, sub) {
			out = append(out, s)
		}
	}
	return out
}

// sriConsole starts recording tab's messages. An event reaches the listener
// before the reply to any later command, so once an Evaluate has returned,
// everything logged while the page loaded is recorded.
func sriConsole(t *testing.T, tab context.Context) *sriMessages {
	t.Helper()
	m := &sriMessages{}
	require.NoError(t, chromedp.Listen(tab, func(ev any) {
		switch e := ev.(type) {
		case *log.EventEntryAdded:
			m.add(string(e.Entry.Level) + " " + string(e.Entry.Source) + ": " + e.Entry.Text)
		case *runtime.EventConsoleAPICalled:
			for _, a := range e.Args {
				m.add("console." + string(e.Type) + ": " + a.Description + string(a.Value))
			}
		case *runtime.EventExceptionThrown:
			m.add("exception: " + e.ExceptionDetails.Text)
		}
	}))
	return m
}

// sriBrowser starts a headless Chromium for this test alone. Without one
// the test is skipped on a developer machine and fails in CI (CI set), so
// the suite never passes there by proving nothing.
func sriBrowser(t *testing.T) context.Context {
	t.Helper()
	path := sriChromiumPath()
	if path == "" {
		const msg = "chromium not found: install it with 'apt-get install -y chromium' (or set CHROMIUM_PATH)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	require.NoError(t, chromedp.Do(ctx), "starting %s", path)
	return ctx
}

// sriChromiumPath returns CHROMIUM_PATH when it names an executable, else
// the first Chromium or Chrome on PATH, else "".
func sriChromiumPath() string {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
		return ""
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if found, err := exec.LookPath(name); err == nil {
			return found
		}
	}
	return ""
}
