package views_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// storage lists the packages that hold stored data. Views receive view
// models their handlers fill, so a change to a table or a store's row type
// never reaches a template, and a page can be rendered without a database.
var storage = []string{
	"github.com/noncekit/noncekit/internal/database",
	"github.com/noncekit/noncekit/internal/reports/store",
}

func TestViewsDoNotImportStorage(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			for _, banned := range storage {
				assert.False(t, p == banned || strings.HasPrefix(p, banned+"/"),
					"%s imports %s: give the page a view model instead", path, p)
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.Positive(t, files, "no Go files found under views/")
}
