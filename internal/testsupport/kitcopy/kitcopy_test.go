package kitcopy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCopy checks what the tests that build a copy rely on: the sources
// are there with their times, local state and git metadata are not, the
// directory is the same on every run, and a directory still in use is
// never shared.
func TestCopy(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: copies the kit")
	}
	root := Root(t)
	_, err := os.Stat(filepath.Join(root, "internal", "testsupport", "kitcopy", "kitcopy.go"))
	require.NoError(t, err, "Root should be the kit's root")

	const name = "TestCopy/stable"
	var first string
	t.Run("first", func(t *testing.T) {
		first = copyAs(t, name)
		for _, f := range []string{"go.mod", "Makefile", "internal/testsupport/kitcopy/kitcopy.go"} {
			assert.FileExists(t, filepath.Join(first, f))
		}
		for _, f := range []string{".git", "data", "bin"} {
			assert.NoFileExists(t, filepath.Join(first, f))
			assert.NoDirExists(t, filepath.Join(first, f))
		}
		// Files and folders keep the kit's times, which go test's cache
		// reads.
		for _, f := range []string{"go.mod", "internal/testsupport/kitcopy/kitcopy.go", "internal/testsupport/kitcopy", "internal"} {
			want, err := os.Stat(filepath.Join(root, f))
			require.NoError(t, err)
			got, err := os.Stat(filepath.Join(first, f))
			require.NoError(t, err)
			assert.True(t, want.ModTime().Equal(got.ModTime()), "%s: modified %v in the copy, %v in the kit", f, got.ModTime(), want.ModTime())
		}
		// The same test asks again while this copy exists.
		again := copyAs(t, name)
		assert.NotEqual(t, first, again, "a directory in use must not be shared")
	})
	assert.NoDirExists(t, first, "the copy is removed when its test ends")
	t.Run("second", func(t *testing.T) {
		assert.Equal(t, first, copyAs(t, name), "the same test from the same checkout gets the same directory")
	})
}

// copyAs is New as the test named name would call it.
func copyAs(t *testing.T, name string) string {
	return New(named{t, name})
}

type named struct {
	*testing.T
	name string
}

func (n named) Name() string { return n.name }
