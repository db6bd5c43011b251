package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"

	"github.com/noncekit/noncekit/internal/testsupport/kitcopy"
)

// checkShowcaseRemoved checks what the README's "Make it yours" claims
// beyond its make test passing: the showcase's folders and its one line
// in routes.go are gone, nothing in the Go or templ code names it, make
// test and make e2e name only packages that exist (go test fails its
// setup on a pattern for a removed folder). The test checks that make
// test's checks print no error or warning line once the walk is done.
func checkShowcaseRemoved(t *testing.T, dir string) {
	t.Helper()
	for _, gone := range []string{"internal/showcase", "views/showcase", "static/showcase"} {
		assert.NoDirExists(t, filepath.Join(dir, gone))
	}
	routes, err := os.ReadFile(filepath.Join(dir, "internal/server/routes.go"))
	require.NoError(t, err)
	assert.NotContains(t, string(routes), "showcase.")
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".templ")) {
			return err
		}
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "/internal/showcase\"", path)
		assert.NotContains(t, string(b), "/views/showcase\"", path)
		return nil
	})
	require.NoError(t, err)

	for _, target := range []string{"test", "e2e"} {
		lines := 0
		for line := range strings.SplitSeq(kitcopy.Run(t, dir, "make", "-s", "-n", target), "\n") {
			args, ok := strings.CutPrefix(strings.TrimSpace(line), "go test ")
			if !ok {
				continue
			}
			lines++
			var pkgs []string
			for _, a := range strings.Fields(args) {
				if strings.HasPrefix(a, "./") {
					pkgs = append(pkgs, a)
				}
			}
			require.NotEmpty(t, pkgs, "make %s: %s", target, line)
			out := kitcopy.Run(t, dir, "go", append([]string{"list"}, pkgs...)...)
			assert.NotContains(t, out, "matched no packages", "make %s: %s", target, line)
		}
		assert.Equal(t, 1, lines, "make %s runs one go test in the kit's module", target)
	}
}

// checkRenamed checks what the README's "Renaming the module" claims
// beyond its make test passing (generated code current, gofmt, vet): no
// import of the old path is left but the CSP library's, which is a
// dependency and keeps its path, its folder and the kit's replace line
// for it; the docs' snippets import the new path; and the benchmark
// comparison module inside the kit follows.
func checkRenamed(t *testing.T, dir, oldPath string) {
	t.Helper()
	const newPath = "example.com/you/app"
	require.Equal(t, newPath, modulePath(t, dir))
	lib := oldPath + "/csp"
	require.Equal(t, lib, modulePath(t, filepath.Join(dir, "csp")), "the library keeps its path")
	oldImport := regexp.MustCompile(`"` + regexp.QuoteMeta(oldPath) + `(/[^"]*)?"`)
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && path == filepath.Join(dir, "csp") {
			return filepath.SkipDir // the library's own sources
		}
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, ".templ") && !strings.HasSuffix(path, ".md") {
			return err
		}
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, m := range oldImport.FindAllString(string(b), -1) {
			assert.True(t, strings.HasPrefix(m, `"`+lib+`"`) || strings.HasPrefix(m, `"`+lib+"/"), "old import path %s left in %s", m, path)
		}
		return nil
	})
	require.NoError(t, err)
	guide, err := os.ReadFile(filepath.Join(dir, "docs/testing.md"))
	require.NoError(t, err)
	assert.Contains(t, string(guide), `"`+newPath+`/internal/testsupport/servertest"`, "docs/testing.md's snippets import the new path")
	assert.Contains(t, string(guide), `"`+lib+`/csptest"`, "and the library's own")
	kitMod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	assert.Contains(t, string(kitMod), "replace "+lib+" => ./csp", "the kit still builds against its copy of the library")
	compare, err := os.ReadFile(filepath.Join(dir, "internal/testsupport/bench/compare/go.mod"))
	require.NoError(t, err)
	assert.Contains(t, string(compare), "module "+newPath+"/internal/testsupport/bench/compare")
	assert.Contains(t, string(compare), "replace "+newPath+" => ../../../..")
	assert.Contains(t, string(compare), "replace "+lib+" => ../../../../csp")
}

// modulePath is the module path in dir/go.mod.
func modulePath(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	require.NoError(t, err)
	return modfile.ModulePath(b)
}
