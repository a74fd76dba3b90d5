package overlay

import (
	"fmt"
	"go/ast"

	"github.com/cgohostlab/cgohostlab/lab/stackbound"
)

// The quirk variants of the stack-bound images and the injection that
// pairs with them. A quirk variant edits no Go source: the cell build
// passes the variant's name to stackbound.Overlay, which defines the
// quirk's macro before the image's shim. They need x_cgo_getstackbound,
// which runtime/cgo has since Go 1.21.
func init() {
	for _, p := range stackbound.Platforms {
		for _, q := range p.Quirks {
			Variants = append(Variants, Variant{
				Name:     q.Variant,
				Summary:  p.Name + "-like images: " + q.Summary,
				Quirk:    true,
				MinMinor: 21,
			})
		}
	}
	Variants = append(Variants, Variant{
		Name: "trust-bounds",
		Summary: "Callbacks take the C library's stack bounds even when they do not contain SP, " +
			"as the runtime did before it learned that Solaris may report only part of the main thread's stack.",
		Injection: true,
		Bug:       "go12210",
		Catches:   "bounds-unlimited",
		MinMinor:  21,
		edits:     []editFunc{editTrustBounds},
	})
}

// editTrustBounds drops the SP test from the condition under which
// callbackUpdateSystemStack takes the bounds of _cgo_getstackbound,
// keeping only the test that the C library returned any.
func editTrustBounds(read ReadFunc) (map[string][]byte, string, error) {
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
		if ifs, ok := n.(*ast.IfStmt); ok && cond == nil && mentions(ifs.Cond, "bounds") && mentions(ifs.Cond, "sp") {
			cond = ifs.Cond
		}
		return cond == nil
	})
	if cond == nil {
		return nil, "", fmt.Errorf("%w: %s: no test of the getstackbound bounds against sp in callbackUpdateSystemStack", ErrNotApplicable, cgocallFile)
	}
	start, end := fset.Position(cond.Pos()).Offset, fset.Position(cond.End()).Offset
	out := splice(src, start, end, "bounds[0] != 0 || (false && ("+string(src[start:end])+")) /* cgohostlab: bounds trusted without SP */")
	return map[string][]byte{cgocallFile: out}, "", nil
}
