package views_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/noncekit/noncekit/static"
)

// staticName finds a static file named by a literal in a view: the
// components that load one, and static's own functions.
var staticName = regexp.MustCompile(`\b(components\.(?:Script|ScriptDefer|Stylesheet)|static\.(?:Path|Integrity|Lookup))\(\s*"([^"]*)"`)

// TestStaticNamesExist reads every .templ file and hand-written Go file of
// the views and checks that each static file they name is embedded. A
// component naming a missing file fails its page's render at request time;
// this finds the mistake before any page is rendered, at its file and line
// in the source you wrote, such as
//
//	views/pages/about.templ:8: components.ScriptDefer("js/about.js"): there is no static/js/about.js
//
// Names built at run time are left to the render, which names them too.
func TestStaticNamesExist(t *testing.T) {
	t.Parallel()
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		// The generated Go repeats the .templ at other lines: read the
		// source. Tests name missing files on purpose.
		if !strings.HasSuffix(path, ".templ") && (!strings.HasSuffix(path, ".go") ||
			strings.HasSuffix(path, "_templ.go") || strings.HasSuffix(path, "_test.go")) {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			text := sc.Text()
			if strings.HasPrefix(strings.TrimSpace(text), "//") {
				continue // examples in doc comments
			}
			for _, m := range staticName.FindAllStringSubmatch(text, -1) {
				checked++
				if _, _, ok := static.Lookup(m[2]); !ok {
					t.Errorf("views/%s:%d: %s(%q): there is no static/%s: add the file or fix the name",
						filepath.ToSlash(path), line, m[1], m[2], m[2])
				}
			}
		}
		return sc.Err()
	})
	require.NoError(t, err)
	assert.Positive(t, checked, "no static file named in views/: has the pattern gone stale?")
}
