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
