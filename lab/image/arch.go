package image

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/cgohostlab/cgohostlab/lab/binfmt"
)

// crossCompilers are the Debian cross compilers and C libraries of the
// cross-build base, one pair per target architecture, and musl for
// arm64, whose musl-dev:arm64 ships the aarch64-linux-musl-gcc wrapper
// around aarch64-linux-gnu-gcc.
var crossCompilers = []string{
	"gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross",
	"gcc-riscv64-linux-gnu", "libc6-dev-riscv64-cross",
	"gcc-i686-linux-gnu", "libc6-dev-i386-cross",
	"musl-dev:arm64",
}

// archBases are the bases of the architecture axis: an amd64 image that
// cross-compiles, and root filesystems of the target architectures that
// run the hosts. Debian 12 has no riscv64 port, so riscv64 runs on
// Debian 13.
var archBases = []Base{
	{
		Name:          "bookworm-cross",
		Suite:         "bookworm",
		Packages:      append(append([]string{}, common...), crossCompilers...),
		ForeignArches: []string{"arm64"},
		Notes:         "Debian 12 amd64 with gcc 12 cross compilers for arm64, riscv64 and i386 (glibc 2.36) and musl 1.2.3 for arm64.",
	},
	{
		Name:     "bookworm-arm64",
		Suite:    "bookworm",
		Arch:     "arm64",
		Variant:  "essential",
		Packages: []string{"musl"},
		Notes:    "Debian 12 arm64: glibc 2.36 and musl 1.2.3 (/lib/ld-musl-aarch64.so.1).",
	},
	{
		Name:    "bookworm-i386",
		Suite:   "bookworm",
		Arch:    "i386",
		Variant: "essential",
		Notes:   "Debian 12 i386: glibc 2.36.",
	},
	{
		Name:    "trixie-riscv64",
		Suite:   "trixie",
		Arch:    "riscv64",
		Variant: "essential",
		Notes:   "Debian 13 riscv64: glibc 2.41.",
	},
}

func init() {
	Bases = append(Bases, archBases...)
}

// Platform returns the OCI platform of the base's root filesystem.
func (b Base) Platform() ocispec.Platform {
	arch := b.Arch
	switch arch {
	case "":
		arch = "amd64"
	case "i386":
		arch = "386"
	}
	return ocispec.Platform{OS: "linux", Architecture: arch}
}

// bootstrapArgs returns mmdebstrap's arguments for base, before the
// mirror lines. For another architecture it first makes sure that
// binfmt_misc runs its binaries, because mmdebstrap runs the packages'
// maintainer scripts in the new root filesystem.
func bootstrapArgs(base Base) ([]string, error) {
	variant := base.Variant
	if variant == "" {
		variant = "apt"
	}
	args := []string{"--variant=" + variant, "--mode=root", "--format=tar"}
	if base.Arch != "" {
		if err := binfmt.Ensure(base.Arch); err != nil {
			return nil, fmt.Errorf("bootstrap %s for %s: %w", base.Name, base.Arch, err)
		}
		if _, err := exec.LookPath("arch-test"); err != nil && os.Geteuid() == 0 {
			binfmt.InstallTools()
		}
		if _, err := exec.LookPath("arch-test"); err != nil {
			return nil, fmt.Errorf("bootstrap %s for %s: mmdebstrap needs arch-test for another architecture, and it is not installed: install it (`apt-get install arch-test` as root)", base.Name, base.Arch)
		}
		args = append(args, "--architectures="+base.Arch)
	}
	if len(base.ForeignArches) > 0 {
		args = append(args, "--architectures=amd64,"+strings.Join(base.ForeignArches, ","))
	}
	if len(base.Packages) > 0 {
		args = append(args, "--include="+strings.Join(base.Packages, ","))
	}
	return append(args, base.Suite, "-"), nil
}

// GOARCH returns the Go architecture of the image's hosts.
func (im Image) GOARCH() string {
	switch im.Arch {
	case "", "amd64":
		return "amd64"
	case "i386":
		return "386"
	case "armhf":
		return "arm"
	case "ppc64el":
		return "ppc64le"
	}
	return im.Arch
}

// RunImage returns the tag of the root filesystem that runs the hosts of
// an image of another architecture, bootstrapping it if the engine does
// not have it. It fails with the commands that enable qemu-user when
// this machine cannot run that architecture's binaries.
func (b *Builder) RunImage(ctx context.Context, im Image) (string, error) {
	if im.Arch == "" || im.RunBase == "" {
		return "", fmt.Errorf("image %s: no architecture and run base", im.Name)
	}
	if err := binfmt.Ensure(im.Arch); err != nil {
		return "", fmt.Errorf("image %s runs %s binaries: %w", im.Name, im.Arch, err)
	}
	base, err := BaseByName(im.RunBase)
	if err != nil {
		return "", err
	}
	return b.Base(ctx, base)
}
