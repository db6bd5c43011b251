package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/testsupport/kitcopy"
)

// TestRenamedKitBuildsAndPasses copies the kit, renames its module and
// proves what a user relies on: no old import path is left, the generated
// templ code is still current, and the renamed kit builds and passes its
// core tests.
func TestRenamedKitBuildsAndPasses(t *testing.T) {
	root := kitcopy.Root(t)
	dir := kitcopy.New(t)

	const newPath = "example.com/you/app"
	require.NoError(t, run([]string{newPath}, dir, io.Discard))

	oldPath := modulePath(t, root)
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !rewritten(path) {
			return err
		}
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NotContains(t, string(b), `"`+oldPath, "old import path left in %s", path)
		return nil
	})
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(dir, "docs/testing.md"))
	require.NoError(t, err)
	require.Contains(t, string(readme), `"`+newPath+"/internal/csp/csptest\"", "docs/testing.md's snippets import the new path")
	require.Equal(t, newPath, modulePath(t, dir))
	// The benchmark comparison module inside the kit follows the rename.
	compare, err := os.ReadFile(filepath.Join(dir, "internal/bench/compare/go.mod"))
	require.NoError(t, err)
	require.NotContains(t, string(compare), oldPath)
	require.Contains(t, string(compare), "module "+newPath+"/internal/bench/compare")
	require.Contains(t, string(compare), "replace "+newPath+" => ../../..")

	// vet type-checks every package and test under the new paths; the
	// server's tests link and run the whole site. No -count=1: the copy
	// sits at a stable path with the kit's file times (kitcopy.New), so
	// when nothing changed go's test cache serves the result, as in the
	// user's own checkout; on a new machine or after a change they run.
	goCmd(t, dir, "vet", "./...")
	goCmd(t, dir, "tool", "templ", "generate", "-check", "-log-level", "error")
	goCmd(t, dir, "test", "./internal/csp/", "./internal/server/")
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

// TestRenameRewritesMarkdown: the import paths quoted in Markdown code
// blocks follow the rename, so a snippet copied from the docs compiles in
// the renamed kit; a link to the kit's repository in prose stays a link.
func TestRenameRewritesMarkdown(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/old\n\ngo 1.26\n"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "docs"), 0o755))
	doc := "See https://example.com/old/issues.\n\n```go\nimport \"example.com/old/internal/csp/csptest\"\n```\n\n" +
		"```templ\nimport (\n\t\"example.com/old/views/layout\"\n\t\"example.com/older/x\"\n)\n```\n"
	for _, name := range []string{"README.md", "docs/testing.md"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644))
	}
	require.NoError(t, run([]string{"example.com/new"}, dir, io.Discard))
	for _, name := range []string{"README.md", "docs/testing.md"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		got := string(b)
		require.Contains(t, got, `import "example.com/new/internal/csp/csptest"`, name)
		require.Contains(t, got, `"example.com/new/views/layout"`, name)
		require.Contains(t, got, `"example.com/older/x"`, "%s: a longer path that merely starts with the old one is left alone", name)
		require.Contains(t, got, "https://example.com/old/issues", "%s: an unquoted link is not an import", name)
	}
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
	kitcopy.Run(t, dir, "go", args...)
}
