package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
