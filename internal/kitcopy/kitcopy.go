// Package kitcopy copies the kit's sources for tests that change, build or
// run a copy (the rename test, the live-reload test), so that they never
// touch the checkout they run from.
//
// Import it from _test.go files only.
package kitcopy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Root returns the kit's root: the nearest directory at or above the
// working directory (a test's package directory) that holds a go.mod.
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
			t.Fatal("kitcopy: no go.mod at or above the working directory")
		}
		dir = parent
	}
}

// Copy copies the kit's sources, without git metadata or local state
// (.git, data, bin, tmp), and returns the copy's directory, which is
// removed when the test ends.
//
// The directory is the same on every run of the same test from the same
// checkout. The go command's build cache keys each package on its
// directory: in a fresh temporary directory every run compiled every
// package of the copy again (15 s or more for the rename test on a 2-core
// machine); at a stable path, packages the run did not change are found in
// the cache. What the build proves is the same either way. When the
// directory already exists (another run of the test is using it, or a
// killed run left it behind), Copy uses a fresh temporary directory, and
// says so in the test's log.
func Copy(t testing.TB) string {
	t.Helper()
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
	if err := copyTree(root, dir); err != nil {
		t.Fatalf("kitcopy: copying %s to %s: %v", root, dir, err)
	}
	return dir
}

// copyTree copies the regular files below src to dst, leaving out git
// metadata and local state.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.Name() == ".git" {
			// A directory in a clone, a file in a git worktree: either
			// would make the copy look like the checkout to git.
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			switch d.Name() {
			case "data", "bin", "tmp":
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
}
