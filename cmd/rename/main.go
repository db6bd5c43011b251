// Command rename gives the kit your module path: it rewrites go.mod and
// every import in .go and .templ files (generated *_templ.go included), so
// the renamed kit builds with no further edits, and the import paths quoted
// in Markdown (README.md, docs/), so the snippets there still compile when
// copied.
//
//	go run ./cmd/rename example.com/you/app   (or: make rename MODULE=...)
package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
	f, err := modfile.Parse(modPath, data, nil)
	if err != nil {
		return fmt.Errorf("parsing go.mod: %w", err)
	}
	// Modules the kit requires whose paths lie under its own (the CSP
	// library, github.com/noncekit/noncekit/csp) are dependencies, not the
	// kit: their import paths and their folders stay as they are.
	var libs []string
	for _, r := range f.Require {
		if strings.HasPrefix(r.Mod.Path, oldPath+"/") {
			libs = append(libs, r.Mod.Path)
		}
	}
	isLib := func(p string) bool {
		return slices.ContainsFunc(libs, func(l string) bool { return p == l || strings.HasPrefix(p, l+"/") })
	}
	// Match the old path only as a whole import path or a prefix of one,
	// so "github.com/x/kit" does not rewrite "github.com/x/kitchen".
	re := regexp.MustCompile(`"` + regexp.QuoteMeta(oldPath) + `(/[^"]*)?"`)
	changed := 0
	var nested []string // go.mod files of modules inside the kit
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "data" || name == "bin" || name == "tmp") {
				return filepath.SkipDir
			}
			if sub, err := os.ReadFile(filepath.Join(path, "go.mod")); err == nil && isLib(modfile.ModulePath(sub)) {
				return filepath.SkipDir // the library's own folder
			}
			return nil
		}
		if d.Name() == "go.mod" && path != modPath {
			nested = append(nested, path)
			return nil
		}
		if !rewritten(path) {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dst := re.ReplaceAllFunc(src, func(m []byte) []byte {
			if isLib(string(m[1 : len(m)-1])) {
				return m
			}
			return bytes.Replace(m, []byte(oldPath), []byte(newPath), 1)
		})
		if bytes.Equal(src, dst) {
			return nil
		}
		if filepath.Ext(path) == ".go" {
			// gofmt sorts each import block: the new path may sort
			// elsewhere than the old one did among the library's and the
			// others' (templ's generator does the same to *_templ.go).
			if formatted, err := format.Source(dst); err == nil {
				dst = formatted
			}
		}
		changed++
		return os.WriteFile(path, dst, 0o644)
	})
	if err != nil {
		return fmt.Errorf("rewriting imports: %w", err)
	}
	for _, path := range nested {
		ok, err := renameNested(path, oldPath, newPath, isLib)
		if err != nil {
			return err
		}
		if ok {
			changed++
		}
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

// rewritten reports whether rename rewrites the import paths in path: Go
// and templ sources, and Markdown, whose code blocks quote imports just as
// the sources do. Only quoted paths change, so a link to the kit's
// repository in prose is left alone.
func rewritten(path string) bool {
	switch filepath.Ext(path) {
	case ".go", ".templ", ".md":
		return true
	}
	return false
}

// renameNested rewrites the go.mod of a module inside the kit (such as
// internal/testsupport/bench/compare, kept apart so that its dependencies
// stay out of the kit's go.mod): its own path when it lies under the old
// one, and its require and replace lines naming the kit, but not those
// naming a library the kit requires (isLib). Without it such a module
// would still require the old path while its imports name the new one.
func renameNested(path, oldPath, newPath string, isLib func(string) bool) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return false, fmt.Errorf("parsing %s: %w", path, err)
	}
	swap := func(p string) (string, bool) {
		if isLib(p) {
			return p, false
		}
		if p == oldPath {
			return newPath, true
		}
		if rest, ok := strings.CutPrefix(p, oldPath+"/"); ok {
			return newPath + "/" + rest, true
		}
		return p, false
	}
	changed := false
	if f.Module != nil {
		if p, ok := swap(f.Module.Mod.Path); ok {
			if err := f.AddModuleStmt(p); err != nil {
				return false, err
			}
			changed = true
		}
	}
	// Copy the lines first: dropping one clears the entry it points to.
	type require struct {
		mod      module.Version
		indirect bool
	}
	var reqs []require
	for _, r := range f.Require {
		reqs = append(reqs, require{r.Mod, r.Indirect})
	}
	for _, r := range reqs {
		if p, ok := swap(r.mod.Path); ok {
			if err := f.DropRequire(r.mod.Path); err != nil {
				return false, err
			}
			f.AddNewRequire(p, r.mod.Version, r.indirect)
			changed = true
		}
	}
	var reps [][2]module.Version
	for _, r := range f.Replace {
		reps = append(reps, [2]module.Version{r.Old, r.New})
	}
	for _, r := range reps {
		if p, ok := swap(r[0].Path); ok {
			if err := f.DropReplace(r[0].Path, r[0].Version); err != nil {
				return false, err
			}
			if err := f.AddReplace(p, r[0].Version, r[1].Path, r[1].Version); err != nil {
				return false, err
			}
			changed = true
		}
	}
	if !changed {
		return false, nil
	}
	f.Cleanup()
	out, err := f.Format()
	if err != nil {
		return false, fmt.Errorf("formatting %s: %w", path, err)
	}
	return true, os.WriteFile(path, out, 0o644)
}
