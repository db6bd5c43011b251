package main

import (
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/kitcopy"
)

// TestRenamedKitBuildsAndPasses copies the kit, renames its module and
// proves what a user relies on: no old import path is left, the generated
// templ code is still current, and the renamed kit builds and passes its
// core tests.
func TestRenamedKitBuildsAndPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: copies and rebuilds the whole kit; `make test` runs it")
	}
	root := kitcopy.Root(t)
	dir := kitcopy.Copy(t)

	const newPath = "example.com/you/app"
	require.NoError(t, run([]string{newPath}, dir, io.Discard))

	oldPath := modulePath(t, root)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
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
