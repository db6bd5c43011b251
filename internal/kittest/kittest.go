// Package kittest copies the kit into a temporary folder and runs the go
// and make commands there, as a person who cloned it would. The tests that
// prove a whole-kit operation (renaming the module, removing the showcase,
// scaffolding a page, following the docs) share it. Import it only from
// _test.go files; they skip under -short (`make test-short`).
package kittest

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Root is the kit's top folder: the one holding go.mod, found from the
// caller's source file.
func Root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// Copy copies the kit's sources into a new temporary folder, leaving out
// git metadata and local state, and returns the folder. It skips the test
// under -short: copying and rebuilding the kit takes tens of seconds.
func Copy(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("copies and rebuilds the kit: skipped by -short (make test-short)")
	}
	dst := t.TempDir()
	CopyTree(t, Root(t), dst)
	return dst
}

// CopyTree copies src to dst, leaving out .git, data, bin and tmp.
func CopyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			switch d.Name() {
			case ".git", "data", "bin", "tmp":
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
	require.NoError(t, err)
}

// Run runs name with args in dir and fails the test with its output when
// it fails. It returns the combined output.
func Run(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return string(out)
}
