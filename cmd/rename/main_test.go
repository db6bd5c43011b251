package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRenamedKitBuildsAndPasses copies the kit, renames its module and
// proves what a user relies on: no old import path is left, the generated
// templ code is still current, and the renamed kit builds and passes its
// core tests.
func TestRenamedKitBuildsAndPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: copies and rebuilds the whole kit; `make test` runs it")
	}
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	dir := copyDir(t, root)
	copyTree(t, root, dir)

	const newPath = "example.com/you/app"
	require.NoError(t, run([]string{newPath}, dir, io.Discard))

	oldPath := modulePath(t, root)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".templ")) {
			return err
		}
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NotContains(t, string(b), `"`+oldPath, "old import path left in %s", path)
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, newPath, modulePath(t, dir))
	// The benchmark comparison module inside the kit follows the rename.
	compare, err := os.ReadFile(filepath.Join(dir, "internal/bench/compare/go.mod"))
	require.NoError(t, err)
	require.NotContains(t, string(compare), oldPath)
	require.Contains(t, string(compare), "module "+newPath+"/internal/bench/compare")
	require.Contains(t, string(compare), "replace "+newPath+" => ../../..")

	goCmd(t, dir, "build", "./...")
	goCmd(t, dir, "tool", "templ", "generate", "-check", "-log-level", "error")
	goCmd(t, dir, "test", "-count=1", "./internal/csp/", "./internal/server/")
}

func TestRenameRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/old\n\ngo 1.26\n"), 0o644))
	for _, args := range [][]string{{}, {"a", "b"}, {"not a path"}, {"example.com/old"}} {
		require.Error(t, run(args, dir, io.Discard), "args %q", args)
	}
	src := filepath.Join(dir, "x.go")
	require.NoError(t, os.WriteFile(src, []byte("package x\n\nimport (\n\t_ \"example.com/old/y\"\n\t_ \"example.com/older\"\n)\n"), 0o644))
	require.NoError(t, run([]string{"example.com/new"}, dir, io.Discard))
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	require.Contains(t, string(b), `"example.com/new/y"`)
	require.Contains(t, string(b), `"example.com/older"`, "a longer path that merely starts with the old one is left alone")
}

func TestRenameNestedModule(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/old\n\ngo 1.26\n"), 0o644))
	sub := filepath.Join(dir, "internal", "bench", "compare")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(sub, "go.mod"), []byte(`module example.com/old/internal/bench/compare

go 1.26

require (
	example.com/old v0.0.0-00010101000000-000000000000
	example.com/older v1.0.0
	github.com/unrolled/secure v1.18.0
)

replace example.com/old => ../../..
`), 0o644))
	require.NoError(t, run([]string{"example.com/new"}, dir, io.Discard))
	b, err := os.ReadFile(filepath.Join(sub, "go.mod"))
	require.NoError(t, err)
	got := string(b)
	require.Contains(t, got, "module example.com/new/internal/bench/compare\n")
	require.Contains(t, got, "example.com/new v0.0.0-00010101000000-000000000000")
	require.Contains(t, got, "replace example.com/new => ../../..")
	require.Contains(t, got, "example.com/older v1.0.0", "a longer path that merely starts with the old one is left alone")
	require.Contains(t, got, "github.com/unrolled/secure v1.18.0")
	require.NotRegexp(t, `example\.com/old[\s/]`, got)
}

func modulePath(t *testing.T, dir string) string {
	t.Helper()
	out, err := exec.Command("go", "-C", dir, "list", "-m").Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

func goCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
}

// copyDir returns an empty directory for the copy of the kit at root, the
// same one on every run from the same checkout, and removes it when the
// test ends. The go command's build cache keys a package on its directory:
// in a fresh temporary directory each run, every package of the renamed kit
// compiled again (about 15 s warm); at a stable path an unchanged kit is
// found in the cache. The build proves the same thing either way. When the
// directory exists (another run of this test is using it, or a killed run
// left it), the test uses a fresh temporary directory and says so.
func copyDir(t *testing.T, root string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(os.TempDir(), "noncekit-rename-test-"+hex.EncodeToString(sum[:6]))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Logf("%v: building the copy in a fresh directory, without the build cache (delete %s if no test is running)", err, dir)
		return t.TempDir()
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// copyTree copies the kit's sources, leaving out git metadata and local state.
func copyTree(t *testing.T, src, dst string) {
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
