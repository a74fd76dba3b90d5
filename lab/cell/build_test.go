package cell

import (
	"slices"
	"strings"
	"testing"

	"github.com/cgohostlab/cgohostlab/scenarios"
)

func TestHostForBuiltin(t *testing.T) {
	tests := []struct {
		buildmode, load string
		name, library   string
		dlopen          bool
	}{
		{scenarios.BuildModeCArchive, scenarios.LoadLink, "cshared", "/lab/build/lib/lab-c-archive/liblab.a", false},
		{scenarios.BuildModeCShared, scenarios.LoadLink, "cshared-cshared", "/lab/build/lib/lab-c-shared/liblab.so", false},
		{scenarios.BuildModeCShared, scenarios.LoadDlopen, "cshared-dlopen", "/lab/build/lib/lab-c-shared/liblab.so", true},
	}
	for _, tt := range tests {
		sc := &scenarios.Scenario{Name: "x", Host: "cshared", BuildMode: tt.buildmode, Load: tt.load}
		h := HostFor(sc)
		if h.Name != tt.name {
			t.Errorf("%s/%s: expected binary name %q, got %q", tt.buildmode, tt.load, tt.name, h.Name)
		}
		if got := h.Library.path(); got != tt.library {
			t.Errorf("%s/%s: expected library %q, got %q", tt.buildmode, tt.load, tt.library, got)
		}
		if h.Dlopen != tt.dlopen {
			t.Errorf("%s/%s: expected dlopen %v, got %v", tt.buildmode, tt.load, tt.dlopen, h.Dlopen)
		}
		if !slices.Equal(h.Sources, []string{"cshared.c"}) || h.Dir != "/lab/src/hosts" || !h.Werror {
			t.Errorf("%s/%s: expected hosts/cshared.c compiled with -Werror, got %+v", tt.buildmode, tt.load, h)
		}
	}
}

func TestHostForFolder(t *testing.T) {
	sc := &scenarios.Scenario{
		Name: "pool", BuildMode: scenarios.BuildModeCShared, Load: scenarios.LoadLink, Dir: "/home/u/pool",
		Files: map[string][]byte{"main.c": nil, "pool.c": nil, "pool.h": nil, "golib/lib.go": nil},
	}
	h := HostFor(sc)
	if h.Name != "byo-pool-cshared" {
		t.Errorf("expected binary name byo-pool-cshared, got %q", h.Name)
	}
	if !slices.Equal(h.Sources, []string{"main.c", "pool.c"}) {
		t.Errorf("expected sources main.c and pool.c, got %v", h.Sources)
	}
	if h.Dir != "/lab/src/byo/pool" || h.Library.Package != "/lab/src/byo/pool/golib" {
		t.Errorf("expected the folder in /lab/src/byo/pool, got dir %q and package %q", h.Dir, h.Library.Package)
	}
	if !h.Library.AddProbe {
		t.Error("expected the probe added to the folder's Go package")
	}
	for _, p := range []string{"lab/src/byo/pool/main.c", "lab/src/byo/pool/pool.h", "lab/src/byo/pool/golib/lib.go", "lab/src/byo/pool/golib/go.mod"} {
		if _, ok := h.Files[p]; !ok {
			t.Errorf("expected %s among the files to copy, got %d files", p, len(h.Files))
		}
	}
}

func TestCompileCommandLinking(t *testing.T) {
	tests := []struct {
		name      string
		sc        scenarios.Scenario
		want      []string
		forbidden []string
	}{
		{"c-archive", scenarios.Scenario{Host: "h", BuildMode: scenarios.BuildModeCArchive, Load: scenarios.LoadLink},
			[]string{"-Werror", "/lab/build/lib/lab-c-archive/liblab.a"}, []string{"-llab", "-ldl"}},
		{"c-shared linked", scenarios.Scenario{Host: "h", BuildMode: scenarios.BuildModeCShared, Load: scenarios.LoadLink},
			[]string{"-llab", "-L/lab/build/lib/lab-c-shared", "-Wl,-rpath,/lab/build/lib/lab-c-shared"}, []string{"-ldl", "/lab/src/hosts/harness_dlopen.c"}},
		{"c-shared dlopen", scenarios.Scenario{Host: "h", BuildMode: scenarios.BuildModeCShared, Load: scenarios.LoadDlopen},
			[]string{`-DLAB_LIBRARY_PATH="/lab/build/lib/lab-c-shared/liblab.so"`, "/lab/src/hosts/harness_dlopen.c", "-ldl"}, []string{"-llab"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := compileCommand("gcc", HostFor(&tt.sc), "/lab/build/h")
			for _, w := range tt.want {
				if !slices.Contains(cmd, w) {
					t.Errorf("expected %q in the command, got: %s", w, strings.Join(cmd, " "))
				}
			}
			for _, f := range tt.forbidden {
				if slices.Contains(cmd, f) {
					t.Errorf("expected no %q in the command, got: %s", f, strings.Join(cmd, " "))
				}
			}
			if cmd[len(cmd)-1] != "-lpthread" {
				t.Errorf("expected -lpthread last, got: %s", strings.Join(cmd, " "))
			}
		})
	}
}
