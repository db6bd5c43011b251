// Command page scaffolds a page the way the README's "Adding a page"
// teaches, so that `make test` passes on it and the page is served nonced:
//
//	go run ./cmd/page about                  (or: make page NAME=about)
//	go run ./cmd/page -cache=public pricing  (or: make page NAME=pricing CACHE=public)
//
// It writes views/pages/about.templ (package, import, layout.Base), the
// handler internal/server/about_page.go, its test about_page_test.go
// (csptest.AssertNonced), and adds the route to the site group of
// internal/server/routes.go with a nav link; with -cache=public, to the
// cacheable group instead (no nonce, scripts by hash, public caching), with
// a test of that. Then it generates the page's Go code and rewrites the
// policy snapshots, which now list the route.
//
// A name that is not a lower-case identifier ("about", "privacy-policy"),
// is reserved, or is taken (its files, its path or its identifiers exist)
// is refused with the reason, and nothing is written: every check runs
// before the first write.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"

	"golang.org/x/mod/modfile"
)

func main() {
	if err := run(os.Args[1:], ".", os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "page:", err)
		os.Exit(1)
	}
}

func run(args []string, root string, out io.Writer) error {
	cacheable := false
	if len(args) == 2 {
		switch args[0] {
		case "-cache=public":
			cacheable = true
		case "-cache=":
		default:
			return fmt.Errorf("%s: want -cache=public (make page NAME=pricing CACHE=public), or nothing for a nonced page", args[0])
		}
		args = args[1:]
	}
	if len(args) != 1 {
		return errors.New("usage: make page NAME=about [CACHE=public] (or go run ./cmd/page [-cache=public] about)")
	}
	p, err := scaffold(root, args[0], cacheable, out)
	if err != nil {
		return err
	}
	return finish(root, p, out)
}

// scaffold checks name and, when every check passes, writes the page's
// files and adds its route and link to routes.go.
func scaffold(root, name string, cacheable bool, out io.Writer) (page, error) {
	p, err := parseName(name)
	if err != nil {
		return page{}, err
	}
	p.Cacheable = cacheable
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return page{}, fmt.Errorf("reading go.mod (run make page from the kit's root): %w", err)
	}
	if p.Module = modfile.ModulePath(mod); p.Module == "" {
		return page{}, errors.New("go.mod has no module line")
	}
	if err := checkFree(root, p); err != nil {
		return page{}, err
	}
	const routesFile = "internal/server/routes.go"
	routes, err := os.ReadFile(filepath.Join(root, routesFile))
	if err != nil {
		return page{}, fmt.Errorf("reading %s: %w", routesFile, err)
	}
	withRoute, err := addRoute(routes, p)
	if err != nil {
		return page{}, err
	}
	var writes []write
	for _, f := range []struct {
		path string
		tmpl *template.Template
	}{{p.templFile(), templSource}, {p.handlerFile(), handlerSource}, {p.testFile(), p.testTemplate()}} {
		data, err := render(f.tmpl, p)
		if err != nil {
			return page{}, err
		}
		writes = append(writes, write{path: f.path, data: data})
	}
	writes = append(writes, write{path: routesFile, data: withRoute, old: routes})
	if err := apply(root, writes); err != nil {
		return page{}, err
	}
	for _, w := range writes {
		verb := "wrote"
		if w.old != nil {
			verb = "added the route and a nav link to"
		}
		fmt.Fprintf(out, "page: %s %s\n", verb, w.path)
	}
	return p, nil
}

// write is one file to write; old holds its content before, for a file
// that exists (routes.go), and is nil for a new one.
type write struct {
	path      string
	data, old []byte
}

// apply writes every file, or none: when one write fails, the files
// written before it are removed or restored.
func apply(root string, writes []write) error {
	for i, w := range writes {
		if err := w.apply(root); err != nil {
			undo(root, writes[:i])
			return fmt.Errorf("writing %s (nothing was left changed): %w", w.path, err)
		}
	}
	return nil
}

// apply writes one file. A new file is created exclusively: one that
// appeared since the checks is refused, never overwritten.
func (w write) apply(root string) error {
	path := filepath.Join(root, w.path)
	if w.old != nil {
		return os.WriteFile(path, w.data, 0o644)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(w.data); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return err
	}
	return f.Close()
}

func undo(root string, done []write) {
	for _, w := range done {
		path := filepath.Join(root, w.path)
		if w.old != nil {
			_ = os.WriteFile(path, w.old, 0o644)
		} else {
			_ = os.Remove(path)
		}
	}
}

// finish generates the page's Go code from its .templ and rewrites the
// policy snapshots, which now list the new route. The snapshot tests are
// run with -update, as `make snapshots` does: review the diff.
func finish(root string, p page, out io.Writer) error {
	steps := [][]string{{"go", "tool", "templ", "generate", "-log-level", "error", "-f", p.templFile()}}
	pkgs, err := snapshotPackages(root)
	if err != nil {
		return err
	}
	if len(pkgs) > 0 {
		steps = append(steps, append([]string{"go", "test", "-count=1", "-run", "^TestPolicySnapshots$"}, append(pkgs, "-update")...))
	}
	for _, s := range steps {
		fmt.Fprintf(out, "page: %s\n", strings.Join(s, " "))
		cmd := exec.Command(s[0], s[1:]...)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s failed after the page's files were written (fix, then run make generate snapshots):\n%s%w", strings.Join(s, " "), b, err)
		}
	}
	fmt.Fprintf(out, "page: done. Review the snapshot diff (git diff -- '*.golden'), run make test, and open http://localhost:8080%s after make run\n", p.Path)
	return nil
}

// snapshotPackages lists the packages that pin the policy headers of every
// route in testdata/policies.golden, as `make snapshots` finds them.
func snapshotPackages(root string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(root, "internal", "*", "testdata", "policies.golden"))
	if err != nil {
		return nil, err
	}
	var pkgs []string
	for _, m := range matches {
		rel, err := filepath.Rel(root, filepath.Dir(filepath.Dir(m)))
		if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, "./"+filepath.ToSlash(rel))
	}
	return pkgs, nil
}
