// Package catalogcheck is a test helper: it finds every literal message
// format passed to a package's error constructors and checks that the
// package's translation catalogs name it.
package catalogcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Check parses the non-test Go files in dir. calls maps a constructor's
// name to the argument indexes of its hint and its format (-1: none).
// Every literal found must be a key of the map variable named formats (for
// formats) or hints (for hints) declared in dir.
func Check(t *testing.T, dir string, calls map[string][2]int, formats, hints string) {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	catalogs := map[string]map[string]bool{formats: {}, hints: {}}
	type use struct {
		text, catalog string
		pos           token.Position
	}
	var uses []use
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, id := range n.Names {
					cat, ok := catalogs[id.Name]
					if !ok || i >= len(n.Values) {
						continue
					}
					if lit, ok := n.Values[i].(*ast.CompositeLit); ok {
						for _, elt := range lit.Elts {
							if kv, ok := elt.(*ast.KeyValueExpr); ok {
								if s, ok := literal(kv.Key); ok {
									cat[s] = true
								}
							}
						}
					}
				}
			case *ast.CallExpr:
				id, ok := n.Fun.(*ast.Ident)
				if !ok {
					return true
				}
				idx, ok := calls[id.Name]
				if !ok {
					return true
				}
				for which, i := range idx {
					if i < 0 || i >= len(n.Args) {
						continue
					}
					s, ok := literal(n.Args[i])
					if !ok || strings.Trim(s, "%v ") == "" {
						continue // a computed text or a bare "%v"
					}
					cat := formats
					if which == 0 {
						cat = hints
					}
					uses = append(uses, use{s, cat, fset.Position(n.Args[i].Pos())})
				}
			}
			return true
		})
	}
	for _, u := range uses {
		if !catalogs[u.catalog][u.text] {
			t.Errorf("%s: %q has no entry in %s", u.pos, u.text, u.catalog)
		}
	}
}

func literal(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}
