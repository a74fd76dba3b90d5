package matrix

import (
	"slices"
	"strings"
	"testing"

	"github.com/cgohostlab/cgohostlab/lab/image"
)

func TestArchImagesNamedByScheme(t *testing.T) {
	for _, im := range Images {
		if im.Arch == "" {
			if strings.HasSuffix(im.Name, "-"+im.GOARCH()) {
				t.Errorf("amd64 image %s: expected no architecture in the name", im.Name)
			}
			continue
		}
		if !strings.HasSuffix(im.Name, "-"+im.GOARCH()) {
			t.Errorf("image %s of %s: expected the name to end in -%s", im.Name, im.Arch, im.GOARCH())
		}
		if !strings.HasPrefix(im.Name, im.Libc+"-") {
			t.Errorf("image %s: expected the name to start with its C library %s", im.Name, im.Libc)
		}
	}
}

func TestArchImagesRunOnTheirArch(t *testing.T) {
	for _, im := range Images {
		if im.Arch == "" {
			continue
		}
		build, err := image.BaseByName(im.Base)
		if err != nil {
			t.Errorf("image %s: %v", im.Name, err)
			continue
		}
		if build.Arch != "" {
			t.Errorf("image %s: build base %s is %s, expected amd64", im.Name, build.Name, build.Arch)
		}
		run, err := image.BaseByName(im.RunBase)
		if err != nil {
			t.Errorf("image %s: run base: %v", im.Name, err)
			continue
		}
		if run.Arch != im.Arch {
			t.Errorf("image %s of %s: run base %s is %q", im.Name, im.Arch, run.Name, run.Arch)
		}
		if im.Libc == "musl" && !slices.Contains(run.Packages, "musl") {
			t.Errorf("image %s: run base %s does not install musl", im.Name, run.Name)
		}
	}
}

func TestArchPatternSelectsScenarios(t *testing.T) {
	set := builtin(t)
	cells, err := Select(set, Filter{Pattern: "arm64|riscv64|386"})
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"arm64", "riscv64", "386"} {
		for _, sc := range []string{"deepstack", "churn"} {
			found := false
			for _, c := range cells {
				found = found || (strings.HasSuffix(c.Image, "-"+arch) && c.Variant == "stock" && c.Scenario == sc)
			}
			if !found {
				t.Errorf("-run 'arm64|riscv64|386': expected a stock %s cell on %s", sc, arch)
			}
		}
	}
	for _, c := range cells {
		im, err := ImageByName(c.Image)
		if err != nil || im.Arch == "" {
			t.Errorf("-run 'arm64|riscv64|386' selected %s, which is not an image of another architecture", c.Name())
		}
	}
	found := false
	for _, c := range cells {
		found = found || (c.Image == "glibc-arm64" && c.Variant == "sticky-bounds" && c.Scenario == "deepstack")
	}
	if !found {
		t.Error("expected glibc-arm64/host/sticky-bounds/deepstack in -run 'arm64|riscv64|386'")
	}
}

func TestArchCellsOutOfSmoke(t *testing.T) {
	set := builtin(t)
	cells, err := Select(set, Filter{Short: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cells {
		if im, _ := ImageByName(c.Image); im.Arch != "" {
			t.Errorf("smoke set contains %s of architecture %s", c.Name(), im.Arch)
		}
	}
}
