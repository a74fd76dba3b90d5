package overlay

import (
	"bytes"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func hostRead(t *testing.T) ReadFunc {
	t.Helper()
	goroot := runtime.GOROOT()
	return func(rel string) ([]byte, error) {
		return os.ReadFile(filepath.Join(goroot, rel))
	}
}

func TestDetectHostToolchain(t *testing.T) {
	f, err := Detect(hostRead(t))
	if err != nil {
		t.Fatal(err)
	}
	// The lab runs on Go 1.26 or later, which has every feature.
	want := Features{IsExtra: true, Accurate: true, ExtraMLength: true, ExtraMInUse: true, ExtraInC: true}
	if f != want {
		t.Errorf("expected %+v, got %+v", want, f)
	}
}

func TestDetectOldShape(t *testing.T) {
	old := func(rel string) ([]byte, error) {
		return []byte("package runtime\ntype m struct {\n\tid int64\n}\n"), nil
	}
	f, err := Detect(old)
	if err != nil {
		t.Fatal(err)
	}
	if f != (Features{}) {
		t.Errorf("expected no features in a runtime without them, got %+v", f)
	}
}

func TestProbeSourceOmitsMissingFields(t *testing.T) {
	src := string(probeSource(Features{}, ""))
	for _, absent := range []string{"isextra", "g0StackAccurate", "extraMLength", "extraMInUse", "isExtraInC"} {
		if strings.Contains(src, absent) {
			t.Errorf("probe for a runtime without %s still reads it:\n%s", absent, src)
		}
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "probe.go", src, 0); err != nil {
		t.Errorf("probe does not parse: %v\n%s", err, src)
	}
}

func TestNoArgvEdit(t *testing.T) {
	v, err := VariantByName("noargv")
	if err != nil {
		t.Fatal(err)
	}
	files, err := v.Files(hostRead(t))
	if err != nil {
		t.Fatal(err)
	}
	rt1 := files["src/runtime/runtime1.go"]
	if !bytes.Contains(rt1, []byte("func args(c int32, v **byte) {\n\tcgohostlabArgs()\n}")) {
		t.Errorf("runtime.args body not replaced; got:\n%s", grepFunc(rt1, "func args("))
	}
	if !bytes.Contains(files[ProbeFile], []byte("func cgohostlabArgs()")) {
		t.Errorf("probe file lacks the cgohostlabArgs helper")
	}
}

func TestNoArgvNotApplicable(t *testing.T) {
	v, _ := VariantByName("noargv")
	read := func(rel string) ([]byte, error) {
		return []byte("package runtime\n"), nil
	}
	_, err := v.Files(read)
	if err == nil || !strings.Contains(err.Error(), "function args not found") {
		t.Errorf("expected an error saying runtime.args was not found, got %v", err)
	}
}

func TestUnknownVariant(t *testing.T) {
	_, err := VariantByName("fast")
	if err == nil || !strings.Contains(err.Error(), `unknown variant "fast": valid variants are stock, noargv, sticky-bounds`) {
		t.Errorf("expected an error listing the valid variants, got %v", err)
	}
}

// TestOverlayBuilds builds the lab's Go library as a c-archive with each
// variant's overlay on the host toolchain, as the lab does in its images.
func TestOverlayBuilds(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not found; cgo builds need a C compiler")
	}
	goroot := runtime.GOROOT()
	for _, v := range Variants {
		t.Run(v.Name, func(t *testing.T) {
			dir := t.TempDir()
			files, err := v.Files(hostRead(t))
			if err != nil {
				t.Fatal(err)
			}
			for rel, data := range files {
				p := filepath.Join(dir, "overlay", rel)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ov := filepath.Join(dir, "overlay.json")
			if err := os.WriteFile(ov, JSON(goroot, filepath.Join(dir, "overlay"), files), 0o644); err != nil {
				t.Fatal(err)
			}
			lib := filepath.Join("..", "..", "golibs", "lab")

			cmd := exec.Command(filepath.Join(goroot, "bin", "go"), "build", "-tags", "cgohostlab",
				"-buildmode=c-archive", "-overlay", ov, "-o", filepath.Join(dir, "liblab.a"), ".")
			cmd.Dir = lib
			cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GOFLAGS=-mod=mod")
			out, err := cmd.CombinedOutput()
			t.Logf("%v\n%s", cmd.Args, out)
			if err != nil {
				t.Fatalf("build with overlay %s: %v", v.Name, err)
			}
			if v.Name != "stock" {
				return
			}

			// Link every host against the stock library, as the images do.
			hosts, err := filepath.Glob(filepath.Join("..", "..", "hosts", "*.c"))
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hosts {
				if strings.HasPrefix(filepath.Base(h), "harness") {
					continue // the harness, not a host
				}
				bin := filepath.Join(dir, strings.TrimSuffix(filepath.Base(h), ".c"))
				cc := exec.Command("gcc", "-std=c99", "-O1", "-Wall", "-Werror", "-pthread", "-I"+dir, "-o", bin,
					h, filepath.Join("..", "..", "hosts", "harness.c"), filepath.Join(dir, "liblab.a"), "-lpthread")
				out, err := cc.CombinedOutput()
				if err != nil {
					t.Errorf("%v\n%s\ncompile host %s: %v", cc.Args, out, h, err)
				}
			}
		})
	}
}

func grepFunc(src []byte, prefix string) string {
	i := bytes.Index(src, []byte(prefix))
	if i < 0 {
		return "(not found)"
	}
	end := min(i+200, len(src))
	return string(src[i:end])
}

// TestInjectionsEdit applies every injection to the host toolchain and
// checks that the edited files parse and that the edit is there.
func TestInjectionsEdit(t *testing.T) {
	tests := []struct {
		variant string
		file    string
		want    string
	}{
		{"sticky-bounds", "src/runtime/cgocall.go", "if false { // cgohostlab: callbacks do not update the g0 bounds"},
		{"sticky-bounds", "src/runtime/cgocall.go", "if false { // cgohostlab: getstackbound is not asked"},
		{"no-bounds-update", "src/runtime/cgocall.go", "if false { // cgohostlab: callbacks do not update the g0 bounds"},
		{"estimate-only", "src/runtime/cgocall.go", "if false { // cgohostlab: getstackbound is not asked"},
		{"leak-on-exit", "src/runtime/proc.go", "cgohostlab: the thread's M is never bound to its pthread key"},
		{"refresh-every-call", "src/runtime/cgocall.go", "false && (inBound && mp.g0StackAccurate)"},
		{"noargv+sticky-bounds", "src/runtime/runtime1.go", "cgohostlabArgs()"},
		{"noargv+sticky-bounds", "src/runtime/cgocall.go", "getstackbound is not asked"},
	}
	for _, tt := range tests {
		t.Run(tt.variant+"/"+filepath.Base(tt.file), func(t *testing.T) {
			v, err := VariantByName(tt.variant)
			if err != nil {
				t.Fatal(err)
			}
			files, err := v.Files(hostRead(t))
			if err != nil {
				t.Fatal(err)
			}
			src, ok := files[tt.file]
			if !ok {
				t.Fatalf("expected %s in the overlay, got %d files", tt.file, len(files))
			}
			if !bytes.Contains(src, []byte(tt.want)) {
				t.Errorf("expected %s to contain %q", tt.file, tt.want)
			}
			if _, err := parser.ParseFile(token.NewFileSet(), tt.file, src, 0); err != nil {
				t.Errorf("edited %s does not parse: %v", tt.file, err)
			}
		})
	}
}

func TestComposedVariant(t *testing.T) {
	v, err := VariantByName("noargv+sticky-bounds")
	if err != nil {
		t.Fatal(err)
	}
	if !v.Workaround || !v.Injection || v.Catches != "deepstack" || v.MinMinor != 21 {
		t.Errorf("expected a workaround and injection catching deepstack from Go 1.21, got %+v", v)
	}
}

func TestTrustBoundsEdit(t *testing.T) {
	v, err := VariantByName("quirk-unlimited-mapped+trust-bounds")
	if err != nil {
		t.Fatal(err)
	}
	files, err := v.Files(hostRead(t))
	if err != nil {
		t.Fatal(err)
	}
	src := files[cgocallFile]
	if !bytes.Contains(src, []byte("if bounds[0] != 0 || (false && (bounds[0] != 0 && sp > bounds[0] && sp <= bounds[1])) /* cgohostlab: bounds trusted without SP */ {")) {
		t.Errorf("SP test not dropped; got:\n%s", grepFunc(src, "func callbackUpdateSystemStack("))
	}
	if _, err := parser.ParseFile(token.NewFileSet(), cgocallFile, src, 0); err != nil {
		t.Errorf("edited %s does not parse: %v", cgocallFile, err)
	}
}
