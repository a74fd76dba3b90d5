package matrix

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cgohostlab/cgohostlab/lab/image"
	"github.com/cgohostlab/cgohostlab/lab/overlay"
	"github.com/cgohostlab/cgohostlab/scenarios"
)

func builtin(t *testing.T) *scenarios.Set {
	t.Helper()
	set, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestTablesReferToKnownNames(t *testing.T) {
	for _, im := range Images {
		if _, err := image.BaseByName(im.Base); err != nil {
			t.Errorf("image %s: %v", im.Name, err)
		}
		for _, vu := range im.Variants {
			if _, err := overlay.VariantByName(vu.Variant); err != nil {
				t.Errorf("image %s: %v", im.Name, err)
			}
		}
	}
}

func TestToolchainsOnTheirBases(t *testing.T) {
	for _, im := range Images {
		for _, name := range im.Toolchains {
			tc, err := ToolchainByName(name)
			if err != nil {
				t.Errorf("image %s: %v", im.Name, err)
				continue
			}
			if tc.Kind != Debian {
				continue
			}
			for _, b := range []string{im.Base, tc.Base} {
				base, _ := image.BaseByName(b)
				pkg := fmt.Sprintf("golang-1.%d-go", tc.Minor)
				found := false
				for _, p := range base.Packages {
					found = found || p == pkg || strings.HasPrefix(p, pkg+"/")
				}
				if !found {
					t.Errorf("image %s lists toolchain %s, but base %s does not install %s", im.Name, tc.Name, b, pkg)
				}
			}
		}
	}
}

func TestInjectionCells(t *testing.T) {
	set := builtin(t)
	for _, c := range All(set) {
		v, err := overlay.VariantByName(c.Variant)
		if err != nil {
			t.Fatal(err)
		}
		if v.Injection && c.Scenario != v.Catches {
			t.Errorf("%s: injection %s runs scenario %s, expected only %s", c.Name(), c.Variant, c.Scenario, v.Catches)
		}
		if v.Injection && c.Toolchain == "go1.19" {
			t.Errorf("%s: injection on Go 1.19, whose runtime lacks the code it edits", c.Name())
		}
		if sc := set.Scenario(v.Catches); v.Injection && sc == nil {
			t.Errorf("variant %s catches unknown scenario %q", c.Variant, v.Catches)
		}
	}
}

func TestExpectationsReferToKnownNames(t *testing.T) {
	if err := CheckExpectations(builtin(t)); err != nil {
		t.Error(err)
	}
}

func TestExpectationWithUnknownNameRejected(t *testing.T) {
	for _, tc := range []struct {
		e    scenarios.Expectation
		want string
	}{
		{scenarios.Expectation{Libc: "uclibc"}, `scenarios/x.json: field expect[0].libc: unknown libc "uclibc"`},
		{scenarios.Expectation{Image: "alpine"}, `field expect[0].image: unknown image "alpine"`},
		{scenarios.Expectation{Toolchain: "go1.99"}, `field expect[0].toolchain: unknown toolchain "go1.99"`},
		{scenarios.Expectation{Variant: "stok"}, `field expect[0].variant: unknown variant "stok", so the expectation matches no cell: valid values are stock,`},
	} {
		set := &scenarios.Set{Scenarios: []*scenarios.Scenario{{Name: "x", Expect: []scenarios.Expectation{tc.e}}}}
		err := CheckExpectations(set)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckExpectations(%+v) = %v, want an error containing %q", tc.e, err, tc.want)
		}
	}
}

func names(cells []Cell) []string {
	var n []string
	for _, c := range cells {
		n = append(n, c.Name())
	}
	return n
}

func TestSelect(t *testing.T) {
	set := builtin(t)
	tests := []struct {
		name    string
		f       Filter
		want    []string // every one must be selected
		notWant []string // none may be selected
	}{
		{"image level", Filter{Pattern: "glibc"}, []string{"glibc/host/stock/deepstack"}, []string{"musl/host/noargv/churn"}},
		{"levels", Filter{Pattern: "musl/host/noargv/churn"}, []string{"musl/host/noargv/churn"}, []string{"musl/host/stock/churn", "glibc/host/stock/churn"}},
		{"whole name", Filter{Pattern: "noargv"}, []string{"musl/host/noargv/deepstack"}, []string{"musl/host/stock/deepstack"}},
		{"issue id", Filter{Pattern: "13492"}, []string{"musl/host/stock/startup"}, []string{"musl/host/noargv/startup", "glibc/host/stock/startup"}},
		{"injected issue with controls", Filter{Pattern: "59294"},
			[]string{"glibc/go1.21/sticky-bounds/deepstack", "glibc/go1.21/stock/deepstack", "musl/host/noargv+sticky-bounds/deepstack", "musl/host/noargv/deepstack"},
			[]string{"glibc/go1.21/stock/churn", "musl/host/stock/deepstack", "glibc/go1.19/stock/deepstack"}},
		{"empty first element", Filter{Pattern: "/host/stock/churn"}, []string{"glibc/host/stock/churn", "musl/host/stock/churn"}, []string{"glibc/host/stock/deepstack"}},
		{"smoke", Filter{Short: true},
			[]string{"musl/host/stock/startup", "musl/host/noargv/churn", "glibc/host/stock/deepstack", "glibc/go1.19/stock/callbackcost", "musl/go1.22/noargv+sticky-bounds/deepstack"},
			[]string{"musl/host/stock/deepstack", "glibc-trixie/go1.26/stock/deepstack", "glibc/host/leak-on-exit/churn"}},
		{"injection", Filter{Pattern: "sticky-bounds"}, []string{"glibc/go1.21/sticky-bounds/deepstack", "musl-trixie/go1.27/noargv+sticky-bounds/deepstack"}, []string{"glibc/go1.21/sticky-bounds/churn"}},
		{"names", Filter{Images: []string{"musl"}, Scenarios: []string{"churn"}}, []string{"musl/host/stock/churn"}, []string{"glibc/host/stock/churn", "musl/host/noargv/deepstack"}},
		{"stack-bound images", Filter{Pattern: "darwinlike|solarislike|illumoslike"},
			[]string{"darwinlike/go1.21/quirk-main512k/bounds", "darwinlike-trixie/go1.27/quirk-main8m/deepstack", "solarislike/go1.21/quirk-unlimited-mapped+trust-bounds/bounds-unlimited",
				"illumoslike-trixie/go1.27/quirk-unlimited-wrap/bounds-unlimited", "solarislike/host/stock/stackswitch"},
			[]string{"darwinlike/go1.19/stock/bounds", "darwinlike/host/stock/churn", "darwinlike/host/quirk-main512k/smallstack", "glibc/host/quirk-main512k/bounds",
				"darwinlike/host/quirk-unlimited-wrap/bounds"}},
		{"stack-bound smoke", Filter{Short: true},
			[]string{"darwinlike/host/quirk-main512k/bounds", "solarislike/host/quirk-unlimited-mapped+trust-bounds/bounds-unlimited", "illumoslike/host/stock/bounds-unlimited"},
			[]string{"darwinlike/go1.22/stock/bounds", "darwinlike/host/quirk-main8m/bounds", "darwinlike-trixie/go1.27/stock/bounds", "darwinlike/host/stock/deepstack"}},
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

func TestSelectErrors(t *testing.T) {
	set := builtin(t)
	tests := []struct {
		name string
		f    Filter
		want string
	}{
		{"unknown image", Filter{Images: []string{"alpine"}}, `unknown image "alpine": valid images are glibc, musl`},
		{"unknown toolchain", Filter{Toolchains: []string{"go1.99"}}, `unknown toolchain "go1.99": valid toolchains are go1.19, go1.21,`},
		{"unknown variant", Filter{Variants: []string{"fast"}}, `unknown variant "fast": valid variants are stock, sticky-bounds,`},
		{"unknown scenario", Filter{Scenarios: []string{"deep"}}, `unknown scenario "deep": valid scenarios are `},
		{"pattern selects nothing", Filter{Pattern: "alpine"}, "the filter selects no cell"},
		{"pattern too deep", Filter{Pattern: "a/b/c/d/e"}, "a cell name has 4 levels"},
		{"bad regexp", Filter{Pattern: "glibc/("}, "invalid pattern"},
		{"not applicable", Filter{Images: []string{"darwinlike"}, Toolchains: []string{"go1.19"}},
			"the filter selects no cell: go1.19 is not applicable on darwinlike: its runtime/cgo has no x_cgo_getstackbound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Select(set, tt.f)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("expected an error containing %q, got %v", tt.want, err)
			}
		})
	}
}

func TestNotApplicableIn(t *testing.T) {
	all := NotApplicableIn(Filter{}, nil)
	if !slices.Contains(all, NotApplicable{"darwinlike", "go1.19", noGetStackBound}) {
		t.Errorf("expected go1.19 not applicable on darwinlike, got %v", all)
	}
	if got := NotApplicableIn(Filter{Images: []string{"glibc"}}, nil); len(got) != 0 {
		t.Errorf("expected nothing not applicable on glibc, got %v", got)
	}
	if got := NotApplicableIn(Filter{Toolchains: []string{"host"}}, nil); len(got) != 0 {
		t.Errorf("expected nothing not applicable for the host Go, got %v", got)
	}
	cells := []Cell{{"solarislike", "host", "stock", "startup"}}
	got := NotApplicableIn(Filter{}, cells)
	if len(got) != 1 || got[0].Image != "solarislike" {
		t.Errorf("expected only solarislike for cells of solarislike, got %v", got)
	}
}

func TestSplitPattern(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a", []string{"a"}},
		{"a/b", []string{"a", "b"}},
		{"/b", []string{"", "b"}},
		{"a[/]b/c", []string{"a[/]b", "c"}},
		{"(a/b)|c/d", []string{"(a/b)|c", "d"}},
		{`a\/b/c`, []string{`a\/b`, "c"}},
	}
	for _, tt := range tests {
		if got := SplitPattern(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("SplitPattern(%q): expected %q, got %q", tt.in, tt.want, got)
		}
	}
}
