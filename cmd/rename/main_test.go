package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
	lib := oldPath + "/csp" // the CSP library: a dependency, which keeps its path
	oldImport := regexp.MustCompile(`"` + regexp.QuoteMeta(oldPath) + `(/[^"]*)?"`)
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && path == filepath.Join(dir, "csp") {
			return filepath.SkipDir // the library's own sources, checked below
		}
		if err != nil || d.IsDir() || !rewritten(path) {
			return err
		}
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, m := range oldImport.FindAllString(string(b), -1) {
			require.True(t, strings.HasPrefix(m, `"`+lib+`"`) || strings.HasPrefix(m, `"`+lib+"/"), "old import path %s left in %s", m, path)
		}
		return nil
	})
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(dir, "docs/testing.md"))
	require.NoError(t, err)
	require.Contains(t, string(readme), `"`+newPath+"/internal/testsupport/servertest\"", "docs/testing.md's snippets import the new path")
	require.Contains(t, string(readme), `"`+lib+"/csptest\"", "and the library's own")
	require.Equal(t, newPath, modulePath(t, dir))
	require.Equal(t, lib, modulePath(t, filepath.Join(dir, "csp")), "the library keeps its path")
	kitMod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	require.Contains(t, string(kitMod), "replace "+lib+" => ./csp", "the kit still builds against its copy of the library")
	// The benchmark comparison module inside the kit follows the rename.
	compare, err := os.ReadFile(filepath.Join(dir, "internal/testsupport/bench/compare/go.mod"))
	require.NoError(t, err)
	require.Contains(t, string(compare), "module "+newPath+"/internal/testsupport/bench/compare")
	require.Contains(t, string(compare), "replace "+newPath+" => ../../../..")
	require.Contains(t, string(compare), "replace "+lib+" => ../../../../csp")

	// vet type-checks every package and test under the new paths; the
	// server's tests link and run the whole site. No -count=1: the copy
	// sits at a stable path with the kit's file times (kitcopy.New), so
	// when nothing changed go's test cache serves the result, as in the
	// user's own checkout; on a new machine or after a change they run.
	// make lint's gofmt: the rewritten import blocks are sorted again.
	gofmt := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "gofmt"), "-l", ".")
	gofmt.Dir = dir
	out, err := gofmt.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Empty(t, strings.TrimSpace(string(out)), "gofmt -l after the rename")
	goCmd(t, dir, "vet", "./...")
	goCmd(t, dir, "tool", "templ", "generate", "-check", "-log-level", "error")
	goCmd(t, dir, "test", "./internal/server/")
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

// TestRenameLeavesTheLibraryAlone: a module the kit requires under its own
// path (the CSP library) is a dependency: its imports, its folder and the
// kit's require and replace lines for it keep its path.
func TestRenameLeavesTheLibraryAlone(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	libMod := "module example.com/old/csp\n\ngo 1.26\n"
	libSrc := "package report\n\nimport _ \"example.com/old/csp\"\n"
	write("go.mod", "module example.com/old\n\ngo 1.26\n\nrequire example.com/old/csp v0.0.0\n\nreplace example.com/old/csp => ./csp\n")
	write("csp/go.mod", libMod)
	write("csp/report/report.go", libSrc)
	write("app.go", "package app\n\nimport (\n\t_ \"example.com/old/csp/report\"\n\t_ \"example.com/old/internal/x\"\n)\n")
	require.NoError(t, run([]string{"example.com/new"}, dir, io.Discard))
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		return string(b)
	}
	assert.Contains(t, read("app.go"), `"example.com/old/csp/report"`, "the library's import path")
	assert.Contains(t, read("app.go"), `"example.com/new/internal/x"`, "the kit's own")
	assert.Equal(t, libMod, read("csp/go.mod"))
	assert.Equal(t, libSrc, read("csp/report/report.go"))
	assert.Contains(t, read("go.mod"), "module example.com/new")
	assert.Contains(t, read("go.mod"), "require example.com/old/csp v0.0.0")
	assert.Contains(t, read("go.mod"), "replace example.com/old/csp => ./csp")
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
