package overlay

import (
	"bytes"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// writeDiff writes diff into a file named name in a temporary directory
// and returns its path.
func writeDiff(t *testing.T, name string, diff []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, diff, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// examplePatch loads the worked example generated from the host's GOROOT.
func examplePatch(t *testing.T) *Patch {
	t.Helper()
	diff, err := ExamplePatch(hostRead(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPatch("", writeDiff(t, ExamplePatchName+".diff", diff))
	if err != nil {
		t.Fatalf("load the example patch: %v\n%s", err, diff)
	}
	return p
}

// editedRead returns a ReadFunc of the host's GOROOT in which file is
// passed through edit, like a toolchain of another version.
func editedRead(t *testing.T, file string, edit func(string) string) ReadFunc {
	t.Helper()
	host := hostRead(t)
	return func(rel string) ([]byte, error) {
		b, err := host(rel)
		if err != nil || rel != file {
			return b, err
		}
		return []byte(edit(string(b))), nil
	}
}

func TestExamplePatchDiffAddsOnly(t *testing.T) {
	diff, err := ExamplePatch(hostRead(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(diff), "\n") {
		if strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "--- ") {
			t.Errorf("expected a diff that only adds lines, got removed line %q", line)
		}
	}
	if !bytes.Contains(diff, []byte("+\tif isarchive || islibrary {")) {
		t.Errorf("expected the diff to add the library check, got:\n%s", diff)
	}
}

func TestPatchAppliesToHostToolchain(t *testing.T) {
	p := examplePatch(t)
	if p.Name != ExamplePatchName {
		t.Errorf("expected the patch named %q after its file, got %q", ExamplePatchName, p.Name)
	}
	files, err := p.Apply(hostRead(t))
	if err != nil {
		t.Fatal(err)
	}
	const file = "src/runtime/runtime1.go"
	src, ok := files[file]
	if !ok {
		t.Fatalf("expected %s in the patched files, got %v", file, keys(files))
	}
	if len(files) != 1 {
		t.Errorf("expected only %s patched, got %v", file, keys(files))
	}
	if _, err := parser.ParseFile(token.NewFileSet(), file, src, 0); err != nil {
		t.Fatalf("patched %s does not parse: %v", file, err)
	}
	body := string(src)
	decl := strings.Index(body, "var libraryEmptyArgv [4]uintptr")
	fn := strings.Index(body, "func args(c int32, v **byte) {\n\tif isarchive || islibrary {")
	if decl < 0 || fn < 0 || decl > fn {
		t.Errorf("expected the variable before runtime.args and the check first in its body, got:\n%s", body)
	}
}

// TestPatchedRuntimeBuilds compiles package runtime of the host's
// toolchain with the patched file through -overlay.
func TestPatchedRuntimeBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles package runtime")
	}
	files, err := examplePatch(t).Apply(hostRead(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for rel, b := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, JSON(runtime.GOROOT(), dir, files), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command("go", "build", "-overlay", overlayFile, "runtime")
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	t.Logf("%v\n%s", cmd.Args, out)
	if err != nil {
		t.Fatalf("build of the patched runtime failed: %v", err)
	}
}

func TestPatchAppliesAtOtherLines(t *testing.T) {
	const file = "src/runtime/runtime1.go"
	shifted := editedRead(t, file, func(s string) string {
		return strings.Replace(s, "\nimport", "\n// one\n// two\n// three\n\nimport", 1)
	})
	files, err := examplePatch(t).Apply(shifted)
	if err != nil {
		t.Fatalf("expected the patch to apply 4 lines further down, got: %v", err)
	}
	if !strings.Contains(string(files[file]), "// three\n") ||
		!strings.Contains(string(files[file]), "func args(c int32, v **byte) {\n\tif isarchive || islibrary {") {
		t.Errorf("expected both the shifted lines and the patch in %s", file)
	}
}

func TestPatchDoesNotApply(t *testing.T) {
	const file = "src/runtime/runtime1.go"
	other := editedRead(t, file, func(s string) string {
		return strings.Replace(s, "\targv = v\n", "\targv = v // another toolchain\n", 1)
	})
	_, err := examplePatch(t).Apply(other)
	var pe *PatchError
	if !errors.As(err, &pe) {
		t.Fatalf("expected a *PatchError, got %v", err)
	}
	if pe.Path != file {
		t.Errorf("expected the error to name %s, got %q", file, pe.Path)
	}
	if !strings.HasPrefix(pe.Hunk, "@@ -") || !strings.Contains(pe.Hunk, "+\tif isarchive || islibrary {") {
		t.Errorf("expected the rejected hunk in the error, got:\n%s", pe.Hunk)
	}
	if !strings.Contains(err.Error(), "musl-argv.diff") {
		t.Errorf("expected the error to name the diff file, got: %v", err)
	}
}

func TestPatchFileNotInToolchain(t *testing.T) {
	const file = "src/runtime/cgohostlab_absent.go"
	diff := Diff(file, []byte("package runtime\n\nvar a int\n"), []byte("package runtime\n\nvar a int\nvar b int\n"))
	p, err := LoadPatch("absent", writeDiff(t, "absent.diff", diff))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Apply(hostRead(t))
	var pe *PatchError
	if !errors.As(err, &pe) {
		t.Fatalf("expected a *PatchError, got %v", err)
	}
	if pe.Path != file || !strings.Contains(pe.Reason, "no such file") {
		t.Errorf("expected the error to name %s as missing, got: %v", file, err)
	}
}

func TestPatchAddsNewFile(t *testing.T) {
	const file = "src/runtime/cgohostlab_added.go"
	diff := "--- /dev/null\n+++ b/" + file + "\n@@ -0,0 +1,3 @@\n+package runtime\n+\n+var cgohostlabAdded int\n"
	p, err := LoadPatch("added", writeDiff(t, "added.diff", []byte(diff)))
	if err != nil {
		t.Fatal(err)
	}
	files, err := p.Apply(hostRead(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(files[file]); got != "package runtime\n\nvar cgohostlabAdded int\n" {
		t.Errorf("expected the new file's three lines, got %q", got)
	}
}

func TestLoadPatchRejectsBadInput(t *testing.T) {
	own := []byte("package runtime\n\nvar a int\n")
	ownEdited := []byte("package runtime\n\nvar a int\nvar b int\n")
	tests := []struct {
		name string
		diff []byte
		want []string // substrings of the error
	}{
		{"not-a-diff.diff", []byte("this is a note, not a diff\n"), []string{"not-a-diff.diff", "not a unified diff"}},
		{"empty.diff", nil, []string{"empty.diff", "not a unified diff"}},
		{"outside.diff", Diff("etc/profile", own, ownEdited), []string{"outside.diff", "etc/profile", "@@ -1,3 +1,4 @@", "outside src/"}},
		{"dotdot.diff", Diff("src/../VERSION", own, ownEdited), []string{"dotdot.diff", "outside src/"}},
		{"truncated.diff", bytes.Replace(Diff("src/runtime/x.go", own, ownEdited), []byte("+var b int\n"), nil, 1),
			[]string{"truncated.diff", "invalid unified diff"}},
		{"delete.diff", []byte("--- a/src/runtime/x.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-package runtime\n"),
			[]string{"delete.diff", "deletes the file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadPatch("", writeDiff(t, tt.name, tt.diff))
			if err == nil {
				t.Fatalf("expected an error for %s, got none", tt.name)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("expected the error to contain %q, got: %v", w, err)
				}
			}
		})
	}
}

func TestLoadPatchNames(t *testing.T) {
	diff := Diff("src/runtime/x.go", []byte("a\n"), []byte("a\nb\n"))
	file := writeDiff(t, "Musl-Argv.patch", diff)
	p, err := LoadPatch("", file)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "musl-argv" {
		t.Errorf("expected the name musl-argv from the file name, got %q", p.Name)
	}
	if _, err := LoadPatch("Bad Name", file); err == nil || !strings.Contains(err.Error(), `"Bad Name"`) {
		t.Errorf("expected an error naming the invalid patch name, got %v", err)
	}
	if _, err := LoadPatch("x", filepath.Join(t.TempDir(), "missing.diff")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("expected a not-found error for a missing diff file, got %v", err)
	}
}

func keys(m map[string][]byte) string {
	var k []string
	for name := range m {
		k = append(k, name)
	}
	return fmt.Sprint(k)
}
