package stackbound

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	cgohostlab "github.com/cgohostlab/cgohostlab"
)

// shimSources writes images/stackbound into a temporary directory and
// returns it.
func shimSources(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	sub, err := fs.Sub(cgohostlab.Sources, "images/stackbound")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(dir, sub); err != nil {
		t.Fatal(err)
	}
	return dir
}

func needGCC(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the shims emulate other platforms on Linux only")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not found; the shim tests compile C")
	}
}

// TestShims builds the C unit test of each shim in each mode with the
// host's gcc and runs it under a finite and an unlimited RLIMIT_STACK.
func TestShims(t *testing.T) {
	needGCC(t)
	dir := shimSources(t)
	for _, p := range Platforms {
		modes := []Quirk{{Variant: "stock"}}
		modes = append(modes, p.Quirks...)
		for _, q := range modes {
			t.Run(p.Name+"/"+q.Variant, func(t *testing.T) {
				bin := filepath.Join(t.TempDir(), "shim_test")
				args := []string{"-std=c11", "-O1", "-Wall", "-Werror", "-pthread", "-DLAB_SHIM_" + strings.ToUpper(p.Name)}
				if q.Macro != "" {
					args = append(args, "-D"+q.Macro)
				}
				args = append(args, "-o", bin, filepath.Join(dir, "shim_test.c"))
				cmd := exec.Command("gcc", args...)
				out, err := cmd.CombinedOutput()
				t.Logf("%v\n%s", cmd.Args, out)
				if err != nil {
					t.Fatalf("build shim test: %v", err)
				}

				for _, limit := range []string{"8192", "unlimited"} {
					cmd := exec.Command("sh", "-c", `ulimit -s "$0" && exec "$1"`, limit, bin)
					// As in the images: no reuse of an exited thread's
					// stack, so each thread gets the size it asked for.
					cmd.Env = append(os.Environ(), "GLIBC_TUNABLES=glibc.pthread.stack_cache_size=0")
					out, err := cmd.CombinedOutput()
					t.Logf("ulimit -s %s: %v\n%s", limit, cmd.Args, out)
					if err != nil {
						t.Errorf("shim test under ulimit -s %s: %v", limit, err)
					}
				}
			})
		}
	}
}

// TestOverlayCompilesHostToolchain compiles the overlay file for each
// platform against the host toolchain's runtime/cgo, links it with a
// main that calls x_cgo_getstackbound on the main thread and checks that
// the bounds contain SP.
func TestOverlayCompilesHostToolchain(t *testing.T) {
	needGCC(t)
	dir := shimSources(t)
	goroot := runtime.GOROOT()
	read := func(rel string) ([]byte, error) { return os.ReadFile(filepath.Join(goroot, rel)) }
	const mainC = `#include <stdint.h>
#include <stdio.h>
void x_cgo_getstackbound(uintptr_t bounds[2]);
int main(void) {
	volatile char marker = 0;
	uintptr_t b[2] = {0, 0};
	uintptr_t sp = (uintptr_t)&marker;
	x_cgo_getstackbound(b);
	printf("bounds [%#lx, %#lx) sp %#lx\n", (unsigned long)b[0], (unsigned long)b[1], (unsigned long)sp);
	return b[0] < sp && sp <= b[1] ? 0 : 1;
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.c"), []byte(mainC), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range Platforms {
		t.Run(p.Name, func(t *testing.T) {
			replaced, src, err := Overlay(p, "stock", goroot, dir, "test", read)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), filepath.Base(replaced))
			if err := os.WriteFile(file, src, 0o644); err != nil {
				t.Fatal(err)
			}
			bin := filepath.Join(t.TempDir(), "bound")

			// runtime/cgo builds its C files with these warnings as errors too.
			cmd := exec.Command("gcc", "-O1", "-Wall", "-Werror", "-Wdeclaration-after-statement", "-pthread", "-I"+filepath.Join(goroot, "src/runtime/cgo"),
				"-o", bin, file, filepath.Join(dir, "main.c"))
			out, err := cmd.CombinedOutput()
			t.Logf("%v\n%s", cmd.Args, out)
			if err != nil {
				t.Fatalf("compile overlay:\n%s", src)
			}

			cmd = exec.Command(bin)
			out, err = cmd.CombinedOutput()
			t.Logf("%v\n%s", cmd.Args, out)
			if err != nil {
				t.Errorf("x_cgo_getstackbound through the %s shim: expected bounds that contain SP: %v", p.Name, err)
			}
		})
	}
}

func TestOverlayQuirks(t *testing.T) {
	read := func(rel string) ([]byte, error) { return []byte("void x_cgo_getstackbound(uintptr bounds[2]) {}"), nil }
	darwin, _ := PlatformByName("darwin")
	replaced, src, err := Overlay(darwin, "quirk-main512k", "/usr/lib/go-1.23", ShimDir, "tag", read)
	if err != nil {
		t.Fatal(err)
	}
	if replaced != ReplacedFile {
		t.Errorf("expected the overlay to replace %s, got %s", ReplacedFile, replaced)
	}
	for _, want := range []string{
		"#define LAB_QUIRK_MAIN512K 1\n",
		`#include "` + ShimDir + `/darwin.c"`,
		`#include "/usr/lib/go-1.23/src/runtime/cgo/gcc_stack_darwin.c"`,
	} {
		if !strings.Contains(string(src), want) {
			t.Errorf("expected %q in the overlay, got:\n%s", want, src)
		}
	}

	if _, _, err := Overlay(darwin, "quirk-unlimited-wrap", "/g", ShimDir, "tag", read); err == nil {
		t.Error("expected an error for an illumos quirk on darwin, got none")
	}
}

func TestOverlayWithoutStackBound(t *testing.T) {
	noFile := func(rel string) ([]byte, error) { return nil, fs.ErrNotExist }
	old := func(rel string) ([]byte, error) { return []byte("/* Go 1.20 */"), nil }
	for _, p := range Platforms {
		for name, read := range map[string]func(string) ([]byte, error){"missing": noFile, "old": old} {
			_, _, err := Overlay(p, "stock", "/g", ShimDir, "tag", read)
			if !errors.Is(err, ErrNoStackBound) {
				t.Errorf("%s, %s source: expected ErrNoStackBound, got %v", p.Name, name, err)
			}
		}
	}
}
