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
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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

// New copies the kit's sources into a fresh temporary directory, removed
// when the test ends, and returns it. Tests that copy the kit take tens of
// seconds: New skips the test under -short.
func New(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("copies the kit and builds it: skipped under -short")
	}
	dst := t.TempDir()
	Tree(t, Root(t), dst)
	return dst
}

// Tree copies the regular files under src to dst, leaving out skipDirs.
func Tree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if skipDirs[d.Name()] && path != src {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
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
