package main

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// checkFree refuses a page whose files, path or identifiers are already
// in use. It only reads: nothing is written until every check has passed.
func checkFree(root string, p page) error {
	for _, f := range []string{p.templFile(), p.generatedFile(), p.handlerFile(), p.testFile()} {
		if _, err := os.Stat(filepath.Join(root, f)); err == nil {
			return fmt.Errorf("%q is taken: %s exists", p.Name, f)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("checking %s: %w", f, err)
		}
	}
	if err := checkPath(root, p); err != nil {
		return err
	}
	pages, err := declared(root, "views/pages", "")
	if err != nil {
		return err
	}
	if at, ok := pages[p.Component]; ok {
		return fmt.Errorf("%q is taken: views/pages already declares %s (%s)", p.Name, p.Component, at)
	}
	server, err := declared(root, "internal/server", "Server")
	if err != nil {
		return err
	}
	for _, id := range []string{p.Handler, p.Test} {
		if at, ok := server[id]; ok {
			return fmt.Errorf("%q is taken: internal/server already declares %s (%s)", p.Name, id, at)
		}
	}
	return nil
}

// checkPath refuses a path some route already answers. Routes are
// registered with string literals ("/reports", r.Route("/demo", ...)), so
// any literal in the kit's non-test Go code under internal/ that is the
// path, or starts with it followed by "/", means the path is in use.
func checkPath(root string, p page) error {
	fset := token.NewFileSet()
	var found error
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || found != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("reading routes: %w", err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING || found != nil {
				return found == nil
			}
			s, err := strconv.Unquote(lit.Value)
			if err == nil && (s == p.Path || strings.HasPrefix(s, p.Path+"/")) {
				found = fmt.Errorf("%q is taken: %s already uses the path %q", p.Name, position(root, fset.Position(lit.Pos())), s)
			}
			return true
		})
		return nil
	})
	if err != nil {
		return err
	}
	return found
}

// declared returns the package-level names declared in the Go files of
// dir (tests included: a test function's name is taken too), with where
// each is declared. With recv set, the methods of that type and its
// fields count as well, since they share one namespace.
func declared(root, dir, recv string) (map[string]string, error) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(filepath.Join(root, dir))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	names := map[string]string{}
	add := func(id *ast.Ident) {
		if _, dup := names[id.Name]; !dup {
			names[id.Name] = position(root, fset.Position(id.Pos()))
		}
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(root, dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", dir, err)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil || recv != "" && receiverIs(d.Recv, recv) {
					add(d.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						add(s.Name)
						if st, ok := s.Type.(*ast.StructType); ok && recv != "" && s.Name.Name == recv {
							for _, field := range st.Fields.List {
								for _, id := range field.Names {
									add(id)
								}
							}
						}
					case *ast.ValueSpec:
						for _, id := range s.Names {
							add(id)
						}
					}
				}
			}
		}
	}
	return names, nil
}

// receiverIs reports whether a method's receiver is name or *name.
func receiverIs(recv *ast.FieldList, name string) bool {
	if len(recv.List) != 1 {
		return false
	}
	t := recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	id, ok := t.(*ast.Ident)
	return ok && id.Name == name
}

// position is file:line relative to the kit's root.
func position(root string, pos token.Position) string {
	if rel, err := filepath.Rel(root, pos.Filename); err == nil {
		return filepath.ToSlash(rel) + ":" + strconv.Itoa(pos.Line)
	}
	return pos.String()
}
