package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// keptClusters is how many data directories pgtest keeps between runs.
// initdb takes about a second of CPU, most of it system time, and
// `make test` starts a server in some ten test binaries, two at a time on
// a 2-core machine: a kept directory is started in a tenth of that. Each
// is used by one test binary at a time; when all are in use, a binary
// makes a temporary one as before.
const keptClusters = 4

// cluster is the directory a server runs in: its data directory and socket.
type cluster struct {
	dir  string
	kept bool // kept between runs (see claim); else removed by release
	lock *os.File
}

// claim returns a directory for this test binary's server: the first kept
// one no other process holds, locked for this process until release (or
// its exit: the lock is the kernel's, on an open file), else a new
// temporary one. Kept directories live in base (the system's temporary
// directory when ""), under a name of the user and the PostgreSQL binaries,
// so that another version never starts on them. What a server leaves in
// one is only empty test databases, which the next server on it drops
// (dropLeftovers): the server itself, as before, is this binary's and
// stops with it.
func claim(base, bin string) (cluster, error) {
	if base == "" {
		base = os.TempDir()
	}
	sum := sha256.Sum256([]byte(bin))
	root := filepath.Join(base, fmt.Sprintf("noncekit-pgtest-%d-%s", os.Geteuid(), hex.EncodeToString(sum[:4])))
	if err := os.MkdirAll(root, 0o755); err == nil {
		for i := range keptClusters {
			dir := filepath.Join(root, strconv.Itoa(i))
			f, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o600)
			if err != nil {
				break
			}
			if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
				_ = f.Close()
				continue
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				_ = f.Close()
				break
			}
			return cluster{dir: dir, kept: true, lock: f}, nil
		}
	}
	dir, err := os.MkdirTemp(base, "noncekit-pgtest-")
	if err != nil {
		return cluster{}, err
	}
	return cluster{dir: dir}, nil
}

// release gives the directory back: a kept one is unlocked for the next
// test binary, a temporary one removed.
func (c cluster) release() {
	if c.kept {
		_ = c.lock.Close()
		return
	}
	_ = os.RemoveAll(c.dir)
}

// dropLeftovers drops the test databases an earlier server left in a kept
// directory (URL names them test_PID_N; release keeps its emptied ones
// for the binary's later tests, and a killed binary drops nothing).
func (s *server) dropLeftovers() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := s.admin.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'test\_%'`)
	if err != nil {
		return fmt.Errorf("listing leftover databases: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("listing leftover databases: %w", err)
	}
	for _, name := range names {
		if _, err := s.admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("dropping leftover database %s: %w", name, err)
		}
	}
	return nil
}
