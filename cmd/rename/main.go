// Command rename gives the kit your module path: it rewrites go.mod and
// every import in .go and .templ files (generated *_templ.go included), so
// the renamed kit builds with no further edits.
//
//	go run ./cmd/rename example.com/you/app   (or: make rename MODULE=...)
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

func main() {
	if err := run(os.Args[1:], ".", os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "rename:", err)
		os.Exit(1)
	}
}

func run(args []string, root string, out io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: rename example.com/you/app")
	}
	newPath := args[0]
	if err := module.CheckPath(newPath); err != nil {
		return fmt.Errorf("%q is not a valid module path: %w", newPath, err)
	}
	modPath := filepath.Join(root, "go.mod")
	data, err := os.ReadFile(modPath)
	if err != nil {
		return fmt.Errorf("reading go.mod: %w", err)
	}
	oldPath := modfile.ModulePath(data)
	if oldPath == "" {
		return errors.New("go.mod has no module line")
	}
	if oldPath == newPath {
		return fmt.Errorf("the module is already %s", newPath)
	}
	// Match the old path only as a whole import path or a prefix of one,
	// so "github.com/x/kit" does not rewrite "github.com/x/kitchen".
	re := regexp.MustCompile(`"` + regexp.QuoteMeta(oldPath) + `(/[^"]*)?"`)
	changed := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "data" || name == "bin" || name == "tmp") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, ".templ") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dst := re.ReplaceAllFunc(src, func(m []byte) []byte {
			return bytes.Replace(m, []byte(oldPath), []byte(newPath), 1)
		})
		if bytes.Equal(src, dst) {
			return nil
		}
		changed++
		return os.WriteFile(path, dst, 0o644)
	})
	if err != nil {
		return fmt.Errorf("rewriting imports: %w", err)
	}
	f, err := modfile.Parse(modPath, data, nil)
	if err != nil {
		return fmt.Errorf("parsing go.mod: %w", err)
	}
	if err := f.AddModuleStmt(newPath); err != nil {
		return err
	}
	mod, err := f.Format()
	if err != nil {
		return fmt.Errorf("formatting go.mod: %w", err)
	}
	if err := os.WriteFile(modPath, mod, 0o644); err != nil {
		return fmt.Errorf("writing go.mod: %w", err)
	}
	fmt.Fprintf(out, "renamed %s to %s in go.mod and %d files\n", oldPath, newPath, changed)
	return nil
}
