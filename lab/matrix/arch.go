package matrix

import "github.com/cgohostlab/cgohostlab/lab/image"

// archImages are the images of other CPUs. The cross image builds their
// hosts and libraries with the host Go (GOARCH) and Debian's cross
// compilers. A container of the target architecture's Debian root
// filesystem runs them, through qemu-user on arm64 and riscv64 and
// natively on i386. Names are LIBC[-RELEASE]-GOARCH, where the release is
// left out for bookworm (and the architecture for the amd64 images).
//
// NOTE: only the host Go builds them, because the cross image carries no
// Debian Go package.
var archImages = []Image{
	{
		Image: image.Image{Name: "glibc-arm64", Dir: "cross", Base: "bookworm-cross", CC: "aarch64-linux-gnu-gcc", Libc: "glibc",
			Arch: "arm64", RunBase: "bookworm-arm64"},
		Toolchains: []string{"host"},
		Variants:   archVariants("glibc"),
		Notes:      "Debian bookworm arm64, glibc 2.36, under qemu-user.",
	},
	{
		Image: image.Image{Name: "musl-arm64", Dir: "cross", Base: "bookworm-cross", CC: "aarch64-linux-musl-gcc", Libc: "musl",
			Arch: "arm64", RunBase: "bookworm-arm64"},
		Toolchains: []string{"host"},
		Variants:   archVariants("musl"),
		Notes:      "Debian bookworm's musl 1.2.3 for arm64 (musl-dev:arm64 in the cross image, musl:arm64 in the root filesystem), under qemu-user.",
	},
	{
		Image: image.Image{Name: "glibc-trixie-riscv64", Dir: "cross", Base: "bookworm-cross", CC: "riscv64-linux-gnu-gcc", Libc: "glibc",
			Arch: "riscv64", RunBase: "trixie-riscv64"},
		Toolchains: []string{"host"},
		Variants:   archVariants("glibc"),
		Notes:      "Built against bookworm's glibc 2.36 for riscv64, run on Debian trixie riscv64 (glibc 2.41; bookworm has no riscv64 port), under qemu-user.",
	},
	{
		Image: image.Image{Name: "glibc-386", Dir: "cross", Base: "bookworm-cross", CC: "i686-linux-gnu-gcc", Libc: "glibc",
			Arch: "i386", RunBase: "bookworm-i386"},
		Toolchains: []string{"host"},
		Variants:   archVariants("glibc"),
		Notes:      "Debian bookworm i386, glibc 2.36, run natively by the amd64 kernel's 32-bit support.",
	},
}

// archVariants are the variants of the images of other CPUs: the stock
// runtime (with the noargv workaround on musl) and the sticky-bounds
// injection, which proves that deepstack catches its `morestack on g0`
// crash on that CPU too.
func archVariants(libc string) []VariantUse {
	if libc == "musl" {
		return []VariantUse{
			{Variant: "stock", Notes: "Shows whether the musl start-up crash (go13492) happens on this CPU."},
			{Variant: "noargv"},
			{Variant: "noargv+sticky-bounds"},
		}
	}
	return []VariantUse{{Variant: "stock"}, {Variant: "sticky-bounds"}}
}

func init() {
	Images = append(Images, archImages...)
}
