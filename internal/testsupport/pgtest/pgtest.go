// Package pgtest starts a throwaway PostgreSQL server for tests: one per
// test binary, started when a test first asks for a database and stopped
// by Main when the binary's tests end, with an empty database for every
// test that asks (a new one, or one an earlier test used, emptied).
//
// A package whose tests use it has a TestMain calling Main:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// The server is Debian's `postgresql` package's (initdb and postgres in
// /usr/lib/postgresql/N/bin; elsewhere on PATH, or in the directory
// NONCEKIT_PG_BIN names), run as the postgres
// user when the tests run as root (PostgreSQL refuses to run as root),
// listening on a free loopback port and a socket in its directory, with
// durability off. The server stops with the binary; the data directory
// initdb made is kept for the next run's binaries (see claim), with no
// database of the tests' left in it once the next server starts.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/noncekit/noncekit/internal/testsupport/syncbuf"
)

// Install is how to get PostgreSQL on the kit's machines.
const Install = "apt-get install -y postgresql"

// startTimeout bounds initdb plus the server's start.
const startTimeout = 60 * time.Second

// server is the test binary's one PostgreSQL server.
type server struct {
	cluster cluster // its directory: the data directory and the socket
	port    int
	cmd     *exec.Cmd
	// exited is closed when the server process has exited.
	exited chan struct{}
	out    *syncbuf.Buffer

	mu    sync.Mutex // serialises the admin connection's use, and guards free
	admin *pgx.Conn
	// free holds databases a finished test used and release emptied.
	free []string
}

var (
	startOnce sync.Once
	shared    *server
	startErr  error
	// missing is set when no PostgreSQL binaries were found.
	missing bool
	dbSeq   atomic.Int64
)

// URL returns the URL of an empty database on the test binary's server
// (starting it on first use), as DATABASE_URL would name it. The database
// is the test's alone until it ends; then it is emptied for a later test
// (see release).
//
// Without PostgreSQL the test is skipped with one line saying how to
// install it, unless the CI environment variable is set: then it fails,
// so CI cannot pass by skipping what it was meant to run.
func URL(t testing.TB) string {
	t.Helper()
	startOnce.Do(func() { shared, startErr = start() })
	if missing {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL not found and CI is set: install it (%s)", Install)
		}
		t.Skipf("PostgreSQL not found: %s (with CI set this fails)", Install)
	}
	if startErr != nil {
		t.Fatalf("pgtest: %v", startErr)
	}
	name, err := shared.lease()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	// Registered before the caller's own cleanups, so it runs after
	// them: the test's handles are closed by then.
	t.Cleanup(func() { shared.release(name) })
	return shared.url(name)
}

// Main runs the tests, stops the server if one was started, and exits
// with the tests' status.
func Main(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.stop()
	}
	os.Exit(code)
}

func (s *server) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// lease returns an empty database: one a finished test used and release
// emptied, else a new one. CREATE DATABASE copies the template's 7.5 MB:
// about a quarter of a second, most of it system time, on a 2-core
// machine, and the kit's suites asked for some sixty. Emptying a used
// database takes milliseconds.
func (s *server) lease() (string, error) {
	s.mu.Lock()
	if n := len(s.free); n > 0 {
		name := s.free[n-1]
		s.free = s.free[:n-1]
		s.mu.Unlock()
		return name, nil
	}
	s.mu.Unlock()
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), dbSeq.Add(1))
	return name, s.createDatabase(name)
}

// release empties name for a later test, as new as CREATE DATABASE would
// make it for the kit: it ends every session still connected (the test
// closed its handles; one it leaked must not reach the next test), then
// drops the public schema, where the migrations put every table, sequence
// and row, and creates it again. A database that cannot be emptied is not
// used again.
func (s *server) release(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// With a timeout, pg_terminate_backend (PostgreSQL 14 and later)
	// returns once the session has ended, false if it has not by then.
	var ended *bool // NULL: no session was left
	s.mu.Lock()
	err := s.admin.QueryRow(ctx, "SELECT bool_and(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name).Scan(&ended)
	s.mu.Unlock()
	if err != nil || (ended != nil && !*ended) {
		return
	}
	c, err := pgx.Connect(ctx, s.url(name))
	if err != nil {
		return
	}
	defer func() { _ = c.Close(ctx) }()
	if _, err := c.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		return
	}
	s.mu.Lock()
	s.free = append(s.free, name)
	s.mu.Unlock()
}

func (s *server) createDatabase(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("creating database %s: %w", name, err)
	}
	return nil
}

// BinEnv names the directory of initdb and postgres when they are
// elsewhere than Debian's /usr/lib/postgresql/N/bin or PATH (another
// distribution, a build of your own).
const BinEnv = "NONCEKIT_PG_BIN"

// binDir finds the directory of initdb and postgres: BinEnv's, else
// Debian's newest version, else PATH's.
func binDir() (string, bool) {
	if d := os.Getenv(BinEnv); d != "" {
		return d, isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres"))
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, true
		}
	}
	initdb, err1 := exec.LookPath("initdb")
	_, err2 := exec.LookPath("postgres")
	if err1 != nil || err2 != nil {
		return "", false
	}
	return filepath.Dir(initdb), true
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// start starts the binary's server: on a data directory kept from an
// earlier run when one is free (see claim), else on a new one initdb
// makes.
func start() (*server, error) {
	bin, ok := binDir()
	if !ok {
		missing = true
		return nil, nil
	}
	base := "" // os.TempDir()
	if os.Geteuid() == 0 {
		// The postgres user must reach the directory: /tmp is open to
		// all, a root's TMPDIR may not be.
		base = "/tmp"
	}
	c, err := claim(base, bin)
	if err != nil {
		return nil, err
	}
	s, err := startIn(bin, c, false)
	// Between freePort closing its listener and postgres binding the port,
	// another package's server may take it: start again on another port.
	for range 4 {
		if err == nil || !strings.Contains(err.Error(), "already in use") {
			break
		}
		s, err = startIn(bin, c, false)
	}
	if err != nil && c.kept {
		// A kept directory that will not start (cut short while initdb
		// wrote it, say) is made again, once.
		s, err = startIn(bin, c, true)
	}
	if err != nil {
		c.release()
		return nil, err
	}
	return s, nil
}

// startIn starts a server on c's data directory, running initdb first when
// the directory has none or fresh is set.
func startIn(bin string, c cluster, fresh bool) (*server, error) {
	cred, err := runAs(c.dir)
	if err != nil {
		return nil, err
	}
	data := filepath.Join(c.dir, "data")
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err != nil || fresh {
		if err := os.RemoveAll(data); err != nil {
			return nil, err
		}
		initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync")
		initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		initdb.Dir = c.dir // the test's own directory may be closed to the postgres user
		if out, err := initdb.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("initdb: %v:\n%s", err, out)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &server{cluster: c, port: port, exited: make(chan struct{}), out: &syncbuf.Buffer{}}
	// The server is this process's child, not pg_ctl's daemon: Pdeathsig
	// stops it (fast shutdown) if the test binary dies without running
	// Main's stop, a panic or a timeout.
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", c.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "log_min_messages=warning")
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGINT}
	s.cmd.Dir = c.dir
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	started := make(chan error)
	go func() {
		// Pdeathsig fires when the thread that started the child exits,
		// not the process: keep this goroutine on its thread until the
		// server has exited.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := s.cmd.Start()
		started <- err
		if err == nil {
			_ = s.cmd.Wait()
			close(s.exited)
		}
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting postgres: %w", err)
	}
	if err := s.connect(); err != nil {
		s.shutdown()
		return nil, err
	}
	if err := s.dropLeftovers(); err != nil {
		s.shutdown()
		return nil, err
	}
	return s, nil
}

// connect waits for the server to take connections and keeps one to the
// postgres database, for CREATE DATABASE.
func (s *server) connect() error {
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, s.url("postgres"))
		cancel()
		if err == nil {
			s.admin = c
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited before taking connections:\n%s", s.out.String())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres on port %d took no connection within %v: %v\n%s", s.port, startTimeout, err, s.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop shuts the server down and gives its directory back (see claim).
func (s *server) stop() {
	s.shutdown()
	s.cluster.release()
}

// shutdown stops the server process (fast: sessions are ended).
func (s *server) shutdown() {
	if s.admin != nil {
		_ = s.admin.Close(context.Background())
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// runAs returns the credential to run PostgreSQL's programs with, and
// hands dir to that user: as root, the postgres user (PostgreSQL refuses
// to run as root); otherwise nil, the current user.
func runAs(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and there is no postgres user to run PostgreSQL as (%s creates it): %w", Install, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("the postgres user's ids %q:%q are not numbers", u.Uid, u.Gid)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, fmt.Errorf("handing %s to the postgres user: %w", dir, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// freePort asks the kernel for a free loopback port. Another process could
// take it before postgres binds it; start then tries another.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
