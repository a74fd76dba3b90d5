package matrix

import (
	"slices"
	"testing"
)

func TestSelectPatchedTwins(t *testing.T) {
	set := builtin(t)
	tests := []struct {
		name    string
		f       Filter
		want    []string
		notWant []string
	}{
		{"twins beside stock cells",
			Filter{Images: []string{"glibc", "musl"}, Toolchains: []string{"host"}, Variants: []string{"stock"}, Scenarios: []string{"startup"}, Patch: "musl-argv"},
			[]string{"glibc/host/stock/startup", "glibc/host/stock+patch=musl-argv/startup", "musl/host/stock/startup", "musl/host/stock+patch=musl-argv/startup"},
			[]string{"musl/host/noargv+patch=musl-argv/startup"}},
		{"no twin of an injection",
			Filter{Images: []string{"glibc"}, Toolchains: []string{"host"}, Patch: "p"},
			[]string{"glibc/host/stock+patch=p/deepstack", "glibc/host/sticky-bounds/deepstack"},
			[]string{"glibc/host/sticky-bounds+patch=p/deepstack"}},
		{"pattern of the patch",
			Filter{Pattern: "patch=p", Images: []string{"musl"}, Patch: "p"},
			[]string{"musl/host/stock+patch=p/startup", "musl/host/noargv+patch=p/churn"},
			[]string{"musl/host/stock/startup"}},
		{"pattern levels",
			Filter{Pattern: `musl/host/stock\+patch=p/startup`, Patch: "p"},
			[]string{"musl/host/stock+patch=p/startup"},
			[]string{"musl/host/stock/startup", "musl/host/noargv+patch=p/startup"}},
		{"issue id keeps its patched cells",
			Filter{Pattern: "13492", Toolchains: []string{"host"}, Patch: "p"},
			[]string{"musl/host/stock/startup", "musl/host/stock+patch=p/startup"},
			[]string{"glibc/host/stock+patch=p/startup"}},
		{"smoke",
			Filter{Short: true, Patch: "p"},
			[]string{"musl/host/stock+patch=p/startup", "glibc/go1.19/stock+patch=p/callbackcost"},
			[]string{"musl/host/stock+patch=p/deepstack"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells, err := Select(set, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			got := names(cells)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("expected %s selected; got %v", w, got)
				}
			}
			for _, w := range tt.notWant {
				if slices.Contains(got, w) {
					t.Errorf("expected %s not selected; got %v", w, got)
				}
			}
		})
	}
}

func TestSplitPatch(t *testing.T) {
	base, patch := SplitPatch(PatchedVariant("noargv+sticky-bounds", "musl-argv"))
	if base != "noargv+sticky-bounds" || patch != "musl-argv" {
		t.Errorf("expected (noargv+sticky-bounds, musl-argv), got (%s, %s)", base, patch)
	}
	if base, patch := SplitPatch("stock"); base != "stock" || patch != "" {
		t.Errorf("expected (stock, \"\"), got (%s, %q)", base, patch)
	}
}
