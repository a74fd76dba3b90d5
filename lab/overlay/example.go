package overlay

import (
	"bytes"
	"fmt"

	"github.com/aymanbagabas/go-udiff"
)

// ExamplePatchName is the name of the README's worked patch trial.
const ExamplePatchName = "musl-argv"

// ExamplePatch returns the README's worked example as a unified diff
// against the runtime of the toolchain that read reads. With the patch,
// runtime.args in a c-archive or c-shared library ignores its arguments
// and starts from an empty argv, so the runtime reads auxv from
// /proc/self/auxv. Because musl calls .init_array functions without argc
// and argv, this lets library hosts start on musl. On every C library the
// library's os.Args is then empty.
//
// The diff is made at run time from the toolchain's own file, so this
// repository holds only the lines the patch adds.
func ExamplePatch(read ReadFunc) ([]byte, error) {
	const file = "src/runtime/runtime1.go"
	src, err := read(file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	fset, fn, err := findFunc(file, src, "args")
	if err != nil {
		return nil, err
	}
	params := fn.Type.Params.List
	if len(params) != 2 || len(params[0].Names) != 1 || params[0].Names[0].Name != "c" ||
		len(params[1].Names) != 1 || params[1].Names[0].Name != "v" {
		return nil, fmt.Errorf("%w: %s: runtime.args does not take (c int32, v **byte)", ErrNotApplicable, file)
	}

	// The variable goes before the function, and the check after the
	// line of its opening brace.
	declAt := lineStart(src, fset.Position(fn.Pos()).Offset)
	if fn.Doc != nil {
		declAt = lineStart(src, fset.Position(fn.Doc.Pos()).Offset)
	}
	brace := fset.Position(fn.Body.Lbrace).Offset
	bodyAt := brace + bytes.IndexByte(src[brace:], '\n') + 1

	const decl = `// libraryEmptyArgv is an empty argv, envp and auxv for a library whose
// loader passed no arguments.
var libraryEmptyArgv [4]uintptr

`
	const check = `	if isarchive || islibrary {
		// musl calls a library's .init_array functions without argc and
		// argv, so c and v hold whatever the registers held. Start from an
		// empty argv instead, so that sysargs reads /proc/self/auxv.
		c, v = 0, (**byte)(unsafe.Pointer(&libraryEmptyArgv[0]))
	}
`
	var edited bytes.Buffer
	edited.Write(src[:declAt])
	edited.WriteString(decl)
	edited.Write(src[declAt:bodyAt])
	edited.WriteString(check)
	edited.Write(src[bodyAt:])
	return Diff(file, src, edited.Bytes()), nil
}

// Diff returns a unified diff, with git's a/ and b/ path prefixes and
// three lines of context, that turns old into new. file is the path
// relative to GOROOT.
func Diff(file string, old, new []byte) []byte {
	return []byte(udiff.Unified("a/"+file, "b/"+file, string(old), string(new)))
}

func lineStart(src []byte, offset int) int {
	return bytes.LastIndexByte(src[:offset], '\n') + 1
}
