package docs_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/csp"
	"github.com/noncekit/noncekit/internal/account"
	"github.com/noncekit/noncekit/internal/config"
	"github.com/noncekit/noncekit/internal/database"
	"github.com/noncekit/noncekit/internal/deploycheck"
	"github.com/noncekit/noncekit/internal/devcert"
	"github.com/noncekit/noncekit/internal/server"
	"github.com/noncekit/noncekit/internal/testsupport/kitcopy"
)

// TestDeployRecipe follows docs/deploy.md on loopback: the environment
// file it shows configures a production start (with an operator, as its
// step 3 adds) that the deploy checks pass with no error, and the nginx
// configuration it shows, run by nginx in front of that server, serves it
// over TLS as the page says: the kit sees https (report-to, HSTS,
// Reporting-Endpoints), and plain http is sent to https.
func TestDeployRecipe(t *testing.T) {
	root := kitcopy.Root(t)
	env := deployBlock(t, root, "env")
	values := map[string]string{}
	for line := range strings.Lines(env) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			values[k] = v
		}
	}
	values["DATA_DIR"] = t.TempDir() // /var/lib/noncekit, here
	cfg, err := config.FromEnv(func(k string) string { return values[k] })
	require.NoError(t, err, "docs/deploy.md's environment file")
	require.True(t, cfg.Production)

	ctx := context.Background()
	db, _, err := database.Open(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	st := account.NewStore(db)
	st.Cost = 4 // bcrypt's minimum: the test signs nobody in
	_, err = st.Create(ctx, account.NewAccount{Email: "you@example.com", Role: account.RoleOperator, Password: "a long test password"})
	require.NoError(t, err)
	srv, err := server.New(slog.New(slog.DiscardHandler), cfg, server.Options{DB: db})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	report := deploycheck.Run(ctx, deploycheck.Input{Config: cfg, PolicyRisks: srv.PolicyRisks(), Operators: st})
	var out strings.Builder
	require.NoError(t, report.Write(&out))
	assert.Zero(t, report.Count(deploycheck.Error), "noncekit check with docs/deploy.md's environment:\n%s", out.String())

	nginx, err := exec.LookPath("nginx")
	if err != nil {
		nginx = "/usr/sbin/nginx"
		if _, err := os.Stat(nginx); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("nginx not found: CI installs it (apt-get install -y nginx-light)")
			}
			t.Skip("nginx not found, the TLS proxy half is skipped: install it with 'apt-get install -y nginx-light'")
		}
	}
	// The kit, on the loopback address the recipe's proxy_pass names.
	kit := httptest.NewServer(srv)
	t.Cleanup(kit.Close)
	https, plain := runNginx(t, nginx, deployBlock(t, root, "nginx"), strings.TrimPrefix(kit.URL, "http://"))

	client := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, // devcert's certificate
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
	resp, err := client.Get("https://" + https + "/")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get(csp.HeaderCSP), "report-to csp", "the kit sees https behind the proxy")
	assert.NotEmpty(t, resp.Header.Get(csp.HeaderReportingEndpoints))
	assert.Contains(t, resp.Header.Get("Strict-Transport-Security"), "max-age=")

	resp, err = client.Get("http://" + plain + "/account")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusMovedPermanently, resp.StatusCode)
	assert.True(t, strings.HasPrefix(resp.Header.Get("Location"), "https://"), resp.Header.Get("Location"))
}

// deployBlock returns the fenced block of docs/deploy.md marked
// <!-- deploy-test: name -->.
func deployBlock(t *testing.T, root, name string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, "docs/deploy.md"))
	require.NoError(t, err)
	before, _, ok := strings.Cut(string(src), "```\n<!-- deploy-test: "+name+" -->")
	require.True(t, ok, "docs/deploy.md has no block marked deploy-test: %s", name)
	open := strings.LastIndex(before, "```")
	require.GreaterOrEqual(t, open, 0)
	_, body, _ := strings.Cut(before[open:], "\n")
	return body
}

// runNginx runs nginx with the recipe's configuration, moved to free
// loopback ports, a self-signed certificate and the test kit's address,
// and returns the addresses of its TLS and plain http servers. It stops
// nginx when the test ends.
func runNginx(t *testing.T, nginx, conf, kit string) (https, plain string) {
	t.Helper()
	dir := t.TempDir()
	_, err := devcert.LoadOrCreate(dir, time.Now()) // writes the PEM files nginx reads
	require.NoError(t, err)
	https, plain = freeLoopback(t), freeLoopback(t)
	for old, new := range map[string]string{
		"listen 443 ssl http2;": "listen " + https + " ssl http2;",
		"listen 80;":            "listen " + plain + ";",
		"/etc/letsencrypt/live/example.com/fullchain.pem": filepath.Join(dir, devcert.CertFile),
		"/etc/letsencrypt/live/example.com/privkey.pem":   filepath.Join(dir, devcert.KeyFile),
		"proxy_pass http://127.0.0.1:8080;":               "proxy_pass http://" + kit + ";",
	} {
		require.Contains(t, conf, old, "docs/deploy.md's nginx configuration changed: update the test")
		conf = strings.Replace(conf, old, new, 1)
	}
	main := fmt.Sprintf(`daemon off;
user root;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events {}
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
%[2]s
}
`, dir, conf)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o600))
	cmd := exec.Command(nginx, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
	out, err := os.Create(filepath.Join(dir, "out.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		_ = cmd.Wait()
		_ = out.Close()
	})
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", https)
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "nginx did not listen on %s: %s", https, readFile(filepath.Join(dir, "error.log")))
	return https, plain
}

func freeLoopback(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
