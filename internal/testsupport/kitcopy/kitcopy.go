// Package kitcopy copies the kit into a temporary directory for a test that
// must change it the way a user would (rename the module, scaffold a page,
// follow the README) and then build and test the result, without touching
// the checkout the tests run from.
//
// Copying is cheap; what the copy costs is the go command's work in it, so
// these tests skip under -short (`make test-short`). Import it from
// _test.go files only.
package kitcopy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// skipDirs are never copied: git metadata and local state (the database,
// build output, air's scratch directory).
var skipDirs = map[string]bool{".git": true, "data": true, "bin": true, "tmp": true}

// Root returns the kit's root: the nearest directory above the test's
// working directory that holds go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("kitcopy: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("kitcopy: no go.mod above the test's directory")
		}
		dir = parent
	}
}

// New copies the kit's sources, without git metadata or local state, and
// returns the copy's directory, removed when the test ends. Tests that
// copy the kit build it, which takes tens of seconds: New skips the test
// under -short (`make test-short`).
//
// The directory is the same on every run of the same test from the same
// checkout. The go command's build cache keys each package on its
// directory: in a fresh temporary directory every run compiled every
// package of the copy again (15 s or more for the rename test on a 2-core
// machine); at a stable path, packages the run did not change are found in
// the cache. Tree keeps the files' modification times, so go test's cache
// serves a test whose binary and opened files did not change, as in the
// user's own checkout (go test never caches a failure). What the build
// and the tests prove is the same either way. When the
// directory already exists (another run of the test is using it, or a
// killed run left it behind), New uses a fresh temporary directory, and
// says so in the test's log.
func New(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("copies the kit and builds it: skipped under -short")
	}
	root := Root(t)
	sum := sha256.Sum256([]byte(root + "\x00" + t.Name()))
	dir := filepath.Join(os.TempDir(), "noncekit-copy-"+hex.EncodeToString(sum[:6]))
	if err := os.Mkdir(dir, 0o755); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			t.Fatalf("kitcopy: %v", err)
		}
		t.Logf("kitcopy: %s exists (another run is using it, or delete it): copying to a fresh directory, which the build cache does not know", dir)
		dir = t.TempDir()
	} else {
		t.Cleanup(func() { _ = os.RemoveAll(dir) })
	}
	Tree(t, root, dir)
	return dir
}

// Tree copies the regular files under src to dst with their modification
// times, leaving out skipDirs and
// any .git (a directory in a clone, a file in a git worktree: either would
// make the copy look like the checkout to git).
func Tree(t testing.TB, src, dst string) {
	t.Helper()
	type dirTime struct {
		path  string
		mtime time.Time
	}
	var dirs []dirTime // stamped last: copying into a directory changes its time
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.Name() == ".git" {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if skipDirs[d.Name()] && path != src {
				return filepath.SkipDir
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			dirs = append(dirs, dirTime{filepath.Join(dst, rel), info.ModTime()})
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return err
		}
		// Keep the modification time, as cp -p does: go test's cache
		// keys a result on the size and mtime of every file and
		// directory the test opened (testdata, the .templ files, a
		// walked folder), so a copy stamped "now" would run every such
		// test again on every run.
		return os.Chtimes(out, info.ModTime(), info.ModTime())
	})
	for i := len(dirs) - 1; err == nil && i >= 0; i-- {
		err = os.Chtimes(dirs[i].path, dirs[i].mtime, dirs[i].mtime)
	}
	if err != nil {
		t.Fatalf("kitcopy: copying %s: %v", src, err)
	}
}

// Run runs a command in dir and returns its combined output; the test
// fails with that output if the command does.
func Run(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	out, err := Try(dir, name, args...)
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return out
}

// Try runs a command in dir and returns its combined output and error.
// The command does not inherit make's own variables: run from `make test`,
// a `make` in the copy would otherwise take the outer command line's
// settings (MAKEFLAGS carries NAME=, GO= and the like).
func Try(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "MAKEFLAGS" && k != "MFLAGS" && k != "MAKELEVEL" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}
