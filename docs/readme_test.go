package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/internal/testsupport/kitcopy"
)

// TestCommandsTableMatchesMakeHelp: every target `make help` lists is in
// the README's Commands table, and the table names no target the
// Makefile lacks, so neither can drift from the other.
func TestCommandsTableMatchesMakeHelp(t *testing.T) {
	root := kitcopy.Root(t)
	help := kitcopy.Run(t, root, "make", "--no-print-directory", "help")
	var targets []string
	for line := range strings.Lines(help) {
		if f := strings.Fields(stripANSI(line)); len(f) > 0 {
			targets = append(targets, f[0])
		}
	}
	require.NotEmpty(t, targets)

	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	_, table, ok := strings.Cut(string(readme), "\n## Commands\n")
	require.True(t, ok, "README.md has a section Commands")
	table, _, _ = strings.Cut(table, "\n## ")
	var listed []string
	for line := range strings.Lines(table) {
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " |")
		if !strings.HasPrefix(line, "| `make ") {
			continue
		}
		for _, m := range regexp.MustCompile("`make ([a-z0-9-]+)`").FindAllStringSubmatch(first, -1) {
			listed = append(listed, m[1])
		}
	}
	slices.Sort(targets)
	slices.Sort(listed)
	assert.Equal(t, targets, listed, "make help's targets and README.md's Commands table")
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func stripANSI(s string) string { return ansi.ReplaceAllString(s, "") }

// TestReadmeFitsItsBudget: the README stays a short read (under 2,500
// words) whose first screen says what the kit is, how to run and test it,
// and the stack; the rest lives in docs/, linked from it.
func TestReadmeFitsItsBudget(t *testing.T) {
	root := kitcopy.Root(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	assert.Less(t, len(strings.Fields(string(readme))), 2500, "README.md's words")
	first := strings.Join(slices.Collect(func(yield func(string) bool) {
		n := 0
		for line := range strings.Lines(string(readme)) {
			if n++; n > 33 || !yield(line) {
				return
			}
		}
	}), "")
	for _, want := range []string{"make run", "make test", "templ", "chi", "scs", "testify"} {
		assert.Contains(t, first, want, "the README's first screen names %s", want)
	}
	for _, m := range regexp.MustCompile(`\]\((docs/[a-z-]+\.md)`).FindAllStringSubmatch(string(readme), -1) {
		assert.FileExists(t, filepath.Join(root, m[1]), "README.md links %s", m[1])
	}
}
