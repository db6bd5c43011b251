package showcase_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/testsupport/kitcopy"
)

// TestRemoveShowcase does what the README's "Make it yours" says, on a copy
// of the kit: `make remove-showcase`, then vets, builds and tests the copy
// (its skeleton tests include TestHomeLinksResolve: no dangling link on the
// home page). It lives in the showcase, so it goes with it.
func TestRemoveShowcase(t *testing.T) {
	t.Parallel()
	dir := kitcopy.New(t)
	kitcopy.Run(t, dir, "make", "remove-showcase")

	for _, gone := range []string{"internal/showcase", "views/showcase", "static/showcase"} {
		assert.NoDirExists(t, filepath.Join(dir, gone))
	}
	routes, err := os.ReadFile(filepath.Join(dir, "internal/server/routes.go"))
	require.NoError(t, err)
	assert.NotContains(t, string(routes), "showcase.")
	// Nothing left anywhere in Go or templ code refers to the showcase.
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

	// make test and make e2e name only packages that exist: go test
	// fails its setup on a pattern for a removed folder.
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
			kitcopy.Run(t, dir, "go", append([]string{"list"}, pkgs...)...)
		}
		assert.Equal(t, 1, lines, "make %s runs one go test", target)
	}

	// make test's own checks: generated code current, gofmt, templ fmt,
	// go vet. lint reads the files git knows, as in a user's clone.
	kitcopy.Run(t, dir, "git", "init", "-q")
	kitcopy.Run(t, dir, "git", "add", "-A")
	kitcopy.Run(t, dir, "make", "--no-print-directory", "check-generated", "lint")
	// No -count=1: the copy sits at a stable path with the kit's file
	// times (kitcopy.New), so go's test cache serves the packages the
	// removal did not change, as it would in the user's own checkout.
	kitcopy.Run(t, dir, "go", "test", "-short", "./...")
}
