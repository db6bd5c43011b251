package e2e_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/testsupport/chromium"
	"github.com/noncekit/noncekit/internal/testsupport/kitcopy"
	"github.com/noncekit/noncekit/internal/testsupport/syncbuf"
)

// devStartTimeout bounds how long `make dev` may take to serve its first
// page: the first run compiles the copy of the kit (about a minute on an
// idle 2-core machine, several under load); later runs find it in the
// build cache.
const devStartTimeout = 5 * time.Minute

// devRebuildTimeout bounds a rebuild and restart after a .go or CSS edit:
// seconds when the build cache has the result, a minute or more on a
// loaded machine when it does not.
const devRebuildTimeout = 3 * time.Minute

// TestMakeDevReloads runs `make dev` on a copy of the kit, opens the page
// through templ's proxy and edits the copy's files as a developer would:
//
//   - a text edit in a .templ reloads the page with the new text and no
//     rebuild (the app logs "serving" once);
//   - a .go edit rebuilds and restarts the app, then reloads the page;
//   - a CSS edit (the files are embedded) does the same.
//
// Through all of it the browser sees no CSP violation: templ's proxy stamps
// its reload script with the nonce of the response's script-src. The time
// from save to reload is logged, not asserted: it depends on the machine.
func TestMakeDevReloads(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: copies the kit and builds it; `make test` runs it")
	}
	dir := kitcopy.New(t)
	ports := freePorts(t, 2)
	appAddr, proxyPort := "127.0.0.1:"+ports[0], ports[1]
	log, stop := startDev(t, dir, []string{"make", "dev", "DEV_APP=" + appAddr, "DEV_PORT=" + proxyPort})
	proxy := "http://127.0.0.1:" + proxyPort
	waitServing(t, proxy+"/", log)

	tb := chromium.NewTabWithin(t, devStartTimeout)
	tb.Open(t, proxy+"/")
	chromium.WaitUntil(t, tb, `window.templ_reloadSrc?.readyState === EventSource.OPEN`,
		"templ's reload script never connected: was it blocked?\n%s", log)
	require.Equal(t, 1, log.Count("msg=serving"), "the app should have started once:\n%s", log)

	edits := []struct {
		name     string
		file     string
		old, new string
		reloaded string        // a JavaScript expression, true once the page shows the edit
		serving  int           // how many times the app has started after the edit
		within   time.Duration // how long the reload may take
	}{
		{"templ text", "views/layout/base.templ",
			"Every script and style on this page carries this response's nonce.",
			"Every script and style on this page carries this response's nonce (edited live).",
			`document.body.innerText.includes("(edited live)")`, 1, chromium.WaitTimeout},
		{"go", "internal/server/routes.go",
			`Label: "Reports",`, `Label: "Reports (rebuilt)",`,
			`document.body.innerText.includes("Reports (rebuilt)")`, 2, devRebuildTimeout},
		{"css", "static/css/app.css",
			"", "\nbody { outline: 3px solid rgb(1, 2, 3); }\n",
			`getComputedStyle(document.body).outlineColor === "rgb(1, 2, 3)"`, 3, devRebuildTimeout},
	}
	for _, ed := range edits {
		chromium.Eval[bool](t, tb, `window.__beforeEdit = true`)
		start := editFile(t, filepath.Join(dir, ed.file), ed.old, ed.new)
		require.Eventually(t, func() bool {
			v, err := chromium.EvalNoFail[bool](tb, ed.reloaded+` && window.__beforeEdit === undefined`)
			return err == nil && v
		}, ed.within, chromium.PollInterval, "%s edit: the page did not reload with the change within %s\n%s", ed.name, ed.within, log)
		t.Logf("%s edit: save to reloaded page in %s", ed.name, time.Since(start).Round(10*time.Millisecond))
		// The app's log is buffered (internal/logbuf): its "serving" line
		// can reach the pipe a flush interval after the reloaded page did.
		require.Eventually(t, func() bool { return log.Count("msg=serving") >= ed.serving },
			chromium.WaitTimeout, chromium.PollInterval, "%s edit: the app should have restarted\n%s", ed.name, log)
		assert.Equal(t, ed.serving, log.Count("msg=serving"),
			"%s edit: times the app started (a text edit must not rebuild; a .go or CSS edit must)\n%s", ed.name, log)
	}

	for _, m := range tb.TakeConsole() {
		assert.False(t, m.IsCSP(), "console: %s", m)
	}
	assert.Empty(t, chromium.RecordedViolations(t, tb), "the reload script must run under the strict policy")
	stop()

	// `go tool air` alone, as a developer types it out of habit: it builds
	// and serves the app on ADDR and rebuilds on a .templ and a JS edit.
	// Its own proxy is off (.air.toml): nothing is injected into the page,
	// so nothing can break the policy; the developer reloads by hand.
	log, _ = startDev(t, dir, []string{"go", "tool", "air"}, "ADDR="+appAddr)
	app := "http://" + appAddr
	waitServing(t, app+"/", log)
	// The app's log is buffered: wait for its first "serving" line before
	// counting restarts from it.
	require.Eventually(t, func() bool { return log.Count("msg=serving") == 1 },
		chromium.WaitTimeout, chromium.PollInterval, "air: the app should have started once\n%s", log)
	for _, ed := range []struct {
		name, file, old, new string
		shows                string // true once the reloaded page shows the edit
	}{
		{"templ", "views/layout/base.templ", "(edited live)", "(rebuilt by air)",
			`document.body.innerText.includes("(rebuilt by air)")`},
		{"js", "static/js/site.js", "", "\ndocument.documentElement.dataset.airEdit = \"yes\";\n",
			`document.documentElement.dataset.airEdit === "yes"`},
	} {
		served := log.Count("msg=serving")
		editFile(t, filepath.Join(dir, ed.file), ed.old, ed.new)
		require.Eventually(t, func() bool { return log.Count("msg=serving") > served },
			devRebuildTimeout, chromium.PollInterval, "air: a %s edit should rebuild and restart the app\n%s", ed.name, log)
		waitServing(t, app+"/", log)
		tb.Open(t, app+"/")
		chromium.WaitUntil(t, tb, ed.shows, "air: the page does not show the %s edit\n%s", ed.name, log)
	}
	assert.True(t, chromium.Eval[bool](t, tb, `window.templ_reloadSrc === undefined`), "nothing injected a reload script")
	assert.Empty(t, chromium.RecordedViolations(t, tb), "no violation on the page air serves")
}

// startDev starts a dev loop (`make dev`, `go tool air`) in dir, in its own
// process group, with env added to the test's, and returns its output and
// a stop that also runs when the test ends: SIGINT, as Ctrl-C would, lets
// templ and air stop the app and remove their scratch files.
func startDev(t *testing.T, dir string, args []string, env ...string) (log *syncbuf.Buffer, stop func()) {
	t.Helper()
	log = &syncbuf.Buffer{}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "DATA_DIR="+t.TempDir()), env...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start(), "starting %s", args)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop = sync.OnceFunc(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
			t.Errorf("%s did not stop within 30 s of SIGINT\n%s", args, log)
		}
	})
	t.Cleanup(stop)
	return log, stop
}

// waitServing waits until u answers 200: the app, or templ's proxy, which
// holds a request while the app is still starting.
func waitServing(t *testing.T, u string, log *syncbuf.Buffer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), devStartTimeout)
	defer cancel()
	start := time.Now()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Logf("%s answered after %s", u, time.Since(start).Round(100*time.Millisecond))
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("nothing served %s within %s (last error %v)\n%s", u, devStartTimeout, err, log)
		case <-time.After(chromium.PollInterval * 5):
		}
	}
}

// editFile replaces old with new in the file (appends new when old is
// "") and returns when it wrote the change.
func editFile(t *testing.T, path, old, new string) time.Time {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	s := string(b)
	if old == "" {
		s += new
	} else {
		require.Contains(t, s, old, "%s changed: update the edit this test makes", path)
		s = strings.Replace(s, old, new, 1)
	}
	start := time.Now()
	require.NoError(t, os.WriteFile(path, []byte(s), 0o644))
	return start
}

// freePorts returns n distinct loopback TCP ports that were free a moment
// ago: all are held open until the last is chosen, so none repeats.
func freePorts(t *testing.T, n int) []string {
	t.Helper()
	var ports []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		ports = append(ports, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	}
	return ports
}
