package overlay

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
)

// The regression injections. Each edit locates code in the toolchain's
// runtime with go/parser and replaces it with text written here. It
// returns ErrNotApplicable when the code is not there, so a toolchain of
// another shape fails clearly instead of building something else.

const cgocallFile = "src/runtime/cgocall.go"

// editNoCallbackUpdate removes the call of callbackUpdateSystemStack from
// cgocallbackg, so only needm, on a thread's first call into Go, sets the
// g0 bounds of a bound M.
func editNoCallbackUpdate(read ReadFunc) (map[string][]byte, string, error) {
	return editFunc1(read, cgocallFile, "cgocallbackg", func(n ast.Node) bool {
		return isCallStmt(n, "callbackUpdateSystemStack")
	}, "cgohostlab: callbacks do not update the g0 bounds")
}

// editNoGetStackBound disables the if statement in
// callbackUpdateSystemStack that calls _cgo_getstackbound, which leaves
// the SP-based estimate in place.
func editNoGetStackBound(read ReadFunc) (map[string][]byte, string, error) {
	return editFunc1(read, cgocallFile, "callbackUpdateSystemStack", func(n ast.Node) bool {
		ifs, ok := n.(*ast.IfStmt)
		return ok && mentions(ifs.Cond, "_cgo_getstackbound")
	}, "cgohostlab: getstackbound is not asked")
}

// editRefreshEveryCall disables the early return of
// callbackUpdateSystemStack for accurate bounds that contain SP.
func editRefreshEveryCall(read ReadFunc) (map[string][]byte, string, error) {
	src, err := read(cgocallFile)
	if err != nil {
		return nil, "", err
	}
	fset, fn, err := findFunc(cgocallFile, src, "callbackUpdateSystemStack")
	if err != nil {
		return nil, "", err
	}
	var cond ast.Expr
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if ifs, ok := n.(*ast.IfStmt); ok && cond == nil && mentions(ifs.Cond, "g0StackAccurate") && mentions(ifs.Cond, "inBound") {
			cond = ifs.Cond
		}
		return cond == nil
	})
	if cond == nil {
		return nil, "", fmt.Errorf("%w: %s: no early return on inBound and g0StackAccurate in callbackUpdateSystemStack", ErrNotApplicable, cgocallFile)
	}
	start, end := fset.Position(cond.Pos()).Offset, fset.Position(cond.End()).Offset
	out := splice(src, start, end, "false && ("+string(src[start:end])+") /* cgohostlab: refresh on every call */")
	return map[string][]byte{cgocallFile: out}, "", nil
}

// editNoBindM empties cgoBindM, so a C thread's pthread key never holds
// its g and the key's destructor never returns the M when the thread
// exits.
func editNoBindM(read ReadFunc) (map[string][]byte, string, error) {
	const file = "src/runtime/proc.go"
	src, err := read(file)
	if err != nil {
		return nil, "", err
	}
	out, err := replaceFuncBody(file, src, "cgoBindM", "\t// cgohostlab: the thread's M is never bound to its pthread key.")
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrNotApplicable, err)
	}
	return map[string][]byte{file: out}, "", nil
}

// editFunc1 disables the first statement in function name of file that
// match selects, by wrapping it in "if false { ... }" with note as a
// comment. The statement stays, so every variable it used stays used.
func editFunc1(read ReadFunc, file, name string, match func(ast.Node) bool, note string) (map[string][]byte, string, error) {
	src, err := read(file)
	if err != nil {
		return nil, "", err
	}
	fset, fn, err := findFunc(file, src, name)
	if err != nil {
		return nil, "", err
	}
	var found ast.Node
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if found == nil && n != nil && match(n) {
			found = n
		}
		return found == nil
	})
	if found == nil {
		return nil, "", fmt.Errorf("%w: %s: the statement to replace is not in %s", ErrNotApplicable, file, name)
	}
	start, end := fset.Position(found.Pos()).Offset, fset.Position(found.End()).Offset
	replacement := "if false { // " + note + "\n" + string(src[start:end]) + "\n}"
	return map[string][]byte{file: splice(src, start, end, replacement)}, "", nil
}

func findFunc(file string, src []byte, name string) (*token.FileSet, *ast.FuncDecl, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, fmt.Errorf("parse %s: %w", file, err)
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == name && fd.Body != nil {
			return fset, fd, nil
		}
	}
	return nil, nil, fmt.Errorf("%w: %s: function %s not found", ErrNotApplicable, file, name)
}

func isCallStmt(n ast.Node, callee string) bool {
	es, ok := n.(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := es.X.(*ast.CallExpr)
	if !ok {
		return false
	}
	id, ok := call.Fun.(*ast.Ident)
	return ok && id.Name == callee
}

// mentions reports whether expression e refers to the identifier name.
func mentions(e ast.Expr, name string) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Ident:
			found = found || x.Name == name
		case *ast.SelectorExpr:
			found = found || x.Sel.Name == name
		}
		return !found
	})
	return found
}

func splice(src []byte, start, end int, text string) []byte {
	var out bytes.Buffer
	out.Write(src[:start])
	out.WriteString(strings.TrimSpace(text))
	out.Write(src[end:])
	return out.Bytes()
}
