package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/csp/csptest"
)

// TestBuildsAloneAndServesNonced is what a Go developer who finds the
// library gets: the example's files copied into a module of their own,
// outside this repository, that requires the library and nothing of the
// kit, builds, and serves a page whose style and script carry the
// response's nonce. The library comes from this checkout (a replace), as
// a published version would come from the module proxy.
func TestBuildsAloneAndServesNonced(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds a module of its own")
	}
	lib, err := filepath.Abs("..")
	require.NoError(t, err)
	dir := t.TempDir()
	for _, f := range []string{"main.go", "page.templ", "page_templ.go"} {
		copyFile(t, f, filepath.Join(dir, f))
	}
	// The library's go.sum holds the checksums of what it needs: go then
	// asks no checksum database.
	copyFile(t, filepath.Join(lib, "go.sum"), filepath.Join(dir, "go.sum"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/app\n\ngo 1.26.0\n\n"+
		"require github.com/noncekit/noncekit/csp v0.0.0\n\nreplace github.com/noncekit/noncekit/csp => "+lib+"\n"), 0o644))
	build := exec.Command("go", "build", "-o", "app", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build in a module of its own:\n%s", out)

	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	for line := range strings.SplitSeq(string(mod), "\n") {
		if strings.Contains(line, "github.com/noncekit/noncekit") {
			assert.Contains(t, line, "github.com/noncekit/noncekit/csp", "the app needs the library and nothing else of the kit: %q", line)
		}
	}

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	app := exec.CommandContext(ctx, filepath.Join(dir, "app"))
	app.Env = append(os.Environ(), "ADDR="+addr)
	stderr, err := app.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, app.Start())
	t.Cleanup(func() { cancel(); _ = app.Wait() })
	// The app says it serves once its listener is about to open; the
	// request below then retries only until the listener is up.
	line, err := bufio.NewReader(stderr).ReadString('\n')
	require.NoError(t, err)
	require.Contains(t, line, "serving http://"+addr)
	go func() { _, _ = io.Copy(io.Discard, stderr) }()

	var resp *http.Response
	require.Eventually(t, func() bool {
		resp, err = http.Get("http://" + addr + "/")
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "the example answers on %s", addr)
	t.Cleanup(func() { resp.Body.Close() })
	require.Equal(t, http.StatusOK, resp.StatusCode)
	policy := resp.Header.Get(csp.HeaderCSP)
	assert.Contains(t, policy, "script-src 'nonce-")
	assert.Contains(t, policy, "report-uri /csp-report?group=site")
	assert.True(t, csptest.AssertNonced(t, resp), "every script and style carries the response's nonce")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, b, 0o644))
}

// freeAddr is a loopback address no one listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}
