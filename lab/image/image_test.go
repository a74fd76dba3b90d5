package image

import (
	"errors"
	"strings"
	"testing"
)

func TestMmdebstrapMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	b := &Builder{}
	_, err := b.MmdebstrapPath("cgohostlab-base:bookworm-0")
	if !errors.Is(err, ErrNoBootstrap) {
		t.Fatalf("expected ErrNoBootstrap, got %v", err)
	}
	for _, want := range []string{"apt-get install mmdebstrap", "CGOHOSTLAB_REGISTRY", "cgohostlab-base:bookworm-0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("expected the error to contain %q, got:\n%v", want, err)
		}
	}
}

func TestBaseTagFollowsPackages(t *testing.T) {
	a := Base{Name: "b", Suite: "bookworm", Packages: []string{"gcc", "make"}}
	b := Base{Name: "b", Suite: "bookworm", Packages: []string{"make", "gcc"}}
	c := Base{Name: "b", Suite: "bookworm", Packages: []string{"gcc", "make", "musl-tools"}}
	if a.Tag() != b.Tag() {
		t.Errorf("expected the package order not to change the tag: %s != %s", a.Tag(), b.Tag())
	}
	if a.Tag() == c.Tag() {
		t.Errorf("expected another package to change the tag, both are %s", a.Tag())
	}
	if !strings.HasPrefix(a.Tag(), "cgohostlab-base:b-") {
		t.Errorf("expected the tag to start with cgohostlab-base:b-, got %s", a.Tag())
	}
}

func TestImageTagFollowsBase(t *testing.T) {
	im := Image{Name: "glibc", Dir: "glibc"}
	t1, err := im.Tag("base:1")
	if err != nil {
		t.Fatal(err)
	}
	t2, err := im.Tag("base:2")
	if err != nil {
		t.Fatal(err)
	}
	if t1 == t2 {
		t.Errorf("expected another base to change the image tag, both are %s", t1)
	}
}

func TestBaseTagFollowsArch(t *testing.T) {
	amd64 := Base{Name: "b", Suite: "bookworm", Packages: []string{"gcc"}}
	arm64 := amd64
	arm64.Arch = "arm64"
	multiarch := amd64
	multiarch.ForeignArches = []string{"arm64"}
	if amd64.Tag() == arm64.Tag() {
		t.Errorf("expected the architecture to change the tag, both are %s", amd64.Tag())
	}
	if amd64.Tag() == multiarch.Tag() {
		t.Errorf("expected a foreign architecture to change the tag, both are %s", amd64.Tag())
	}
}

func TestBasePlatform(t *testing.T) {
	for arch, want := range map[string]string{"": "amd64", "arm64": "arm64", "i386": "386", "riscv64": "riscv64"} {
		if got := (Base{Arch: arch}).Platform(); got.OS != "linux" || got.Architecture != want {
			t.Errorf("Base{Arch: %q}.Platform() = %s/%s, expected linux/%s", arch, got.OS, got.Architecture, want)
		}
	}
}
