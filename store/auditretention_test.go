package store

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/printer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The application never updates or deletes an audit row, whatever its age
// (retention is at least five years, and nothing expires them): no
// function of this package calls a gorm method that changes rows (Delete,
// Update, Updates, UpdateColumn(s), Save, an upsert) on the audit log or
// its chain, nor sends SQL that does. The chain's head is the one row
// that changes. The package is type-checked, so a row passed by variable
// is caught as surely as one named by its model.
func TestNoCodeChangesAuditRows(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	must(t, err)
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		must(t, err)
		files = append(files, f)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", exportData(t))}
	if _, err := conf.Check("github.com/datagate/datagate/store", fset, files, info); err != nil {
		t.Fatalf("type-check the store package: %v", err)
	}
	protected := map[string]bool{"AuditEntry": true, "AuditLink": true}
	// isAudit: a value whose type is (a pointer to, a slice of) an audit
	// row; unknown: an interface value, whose table cannot be told.
	isAudit := func(e ast.Expr) (audit, unknown bool) {
		tv, ok := info.Types[e]
		if !ok || tv.Type == nil {
			return false, true
		}
		typ := tv.Type
		for {
			switch u := typ.(type) {
			case *types.Pointer:
				typ = u.Elem()
				continue
			case *types.Slice:
				typ = u.Elem()
				continue
			case *types.Array:
				typ = u.Elem()
				continue
			}
			break
		}
		if n, ok := typ.(*types.Named); ok {
			return protected[n.Obj().Name()], false
		}
		_, isIface := typ.Underlying().(*types.Interface)
		return false, isIface
	}
	mutating := map[string]bool{"Delete": true, "Update": true, "Updates": true, "UpdateColumn": true, "UpdateColumns": true, "Save": true}
	auditSQL := regexp.MustCompile(`(?is)\b(update|delete\s+from|truncate(\s+table)?|drop\s+table|replace\s+into|alter\s+table)\s+` + "`?" + `(audit_log|audit_chain)\b` + "`?" + `(\s|$)`)
	checked := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pos := fset.Position(call.Pos())
			method := sel.Sel.Name
			// Raw SQL naming an audit table.
			if method == "Exec" || method == "Raw" {
				for _, a := range call.Args[:min(1, len(call.Args))] {
					tv := info.Types[a]
					if tv.Value == nil {
						t.Errorf("%s: %s with SQL that is not a constant: cannot tell whether it changes audit rows", pos, method)
						continue
					}
					if q := strings.Trim(tv.Value.ExactString(), "`\""); auditSQL.MatchString(q) {
						t.Errorf("%s: SQL changes audit rows: %s", pos, q)
					}
					checked++
				}
				return true
			}
			isCreate := method == "Create" || method == "CreateInBatches"
			if !mutating[method] && !isCreate {
				return true
			}
			// The table: the arguments of this call and of Model or
			// Table calls in the chain before it; and whether the chain
			// makes an insert an upsert (Clauses with an OnConflict).
			var operands []ast.Expr
			operands = append(operands, call.Args...)
			upsert := false
			for x := sel.X; ; {
				c, ok := x.(*ast.CallExpr)
				if !ok {
					break
				}
				s, ok := c.Fun.(*ast.SelectorExpr)
				if !ok {
					break
				}
				switch s.Sel.Name {
				case "Model", "Table":
					operands = append(operands, c.Args...)
				case "Clauses":
					for _, a := range c.Args {
						if tv := info.Types[a]; tv.Type != nil && strings.HasSuffix(tv.Type.String(), "clause.OnConflict") {
							upsert = true
						}
					}
				}
				x = s.X
			}
			if isCreate {
				for _, o := range operands {
					if audit, _ := isAudit(o); audit && upsert {
						t.Errorf("%s: an upsert of audit rows may update them: insert them plainly: %s", pos, exprString(fset, call))
					}
				}
				checked++
				return true
			}
			named := false
			for _, o := range operands {
				audit, unknown := isAudit(o)
				if audit {
					t.Errorf("%s: %s changes audit rows: %s", pos, method, exprString(fset, call))
				}
				if tv := info.Types[o]; tv.Value != nil {
					if q, err := strconv.Unquote(tv.Value.ExactString()); err == nil && (q == "audit_log" || q == "audit_chain") {
						t.Errorf("%s: %s changes the %s table", pos, method, q)
					}
				}
				named = named || (!unknown && isModel(info, o))
			}
			if !named {
				t.Errorf("%s: %s on a table this test cannot tell: name its model with Model(&T{}) or pass a typed row", pos, exprString(fset, call))
			}
			checked++
			return true
		})
	}
	if checked == 0 {
		t.Fatal("found no writes to check: is the scan broken?")
	}
}

// isModel: e is a row or rows of a named struct type (a table), or a table
// name.
func isModel(info *types.Info, e ast.Expr) bool {
	tv, ok := info.Types[e]
	if !ok || tv.Type == nil {
		return false
	}
	if tv.Value != nil {
		return true
	}
	typ := tv.Type
	for {
		switch u := typ.(type) {
		case *types.Pointer:
			typ = u.Elem()
			continue
		case *types.Slice:
			typ = u.Elem()
			continue
		}
		break
	}
	n, ok := typ.(*types.Named)
	if !ok {
		return false
	}
	_, isStruct := n.Underlying().(*types.Struct)
	return isStruct
}

func exprString(fset *token.FileSet, e ast.Expr) string {
	var b strings.Builder
	_ = printer.Fprint(&b, fset, e)
	return b.String()
}

// exportData finds the compiled export data of the package's imports in the
// build cache (go list -export), for the type checker.
func exportData(t *testing.T) func(path string) (io.ReadCloser, error) {
	out, err := exec.Command("go", "list", "-export", "-deps", "-f", "{{.ImportPath}}={{.Export}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	files := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if path, file, ok := strings.Cut(line, "="); ok && file != "" {
			files[path] = file
		}
	}
	return func(path string) (io.ReadCloser, error) {
		file, ok := files[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	}
}
