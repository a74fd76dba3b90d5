// Package stackbound emulates other operating systems' stack-bound APIs
// on Linux, so the lab can test how a toolchain computes g0 stack bounds
// on Darwin, Solaris and illumos without those machines.
//
// The darwinlike, solarislike and illumoslike images carry C shims
// (images/stackbound) that implement each platform's API from the calling
// thread's true stack. Overlay writes a replacement for
// runtime/cgo/gcc_stack_unix.c that includes a shim and then the
// toolchain's own stack-bound source for that platform from its GOROOT,
// so the runtime's code runs unchanged against the emulated API. Nothing
// of Go's source is copied: the C preprocessor reads it at build time.
package stackbound

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ShimDir is the directory in the images that holds the shims
// (images/stackbound).
const ShimDir = "/usr/local/share/cgohostlab/stackbound"

// ReplacedFile is the runtime/cgo file that the overlay replaces, relative
// to GOROOT, in Go 1.21 to 1.26. It holds x_cgo_getstackbound on every
// Unix but Darwin, which has gcc_stack_darwin.c.
const ReplacedFile = "src/runtime/cgo/gcc_stack_unix.c"

// PthreadFile holds x_cgo_getstackbound for every Unix, Darwin included,
// in the toolchains that have no ReplacedFile (go1.27.3), selected by
// __APPLE__, __sun and __illumos__. The overlay replaces it there.
const PthreadFile = "src/runtime/cgo/pthread_unix.c"

// Platform is an emulated operating system.
type Platform struct {
	Name string
	// Shim is the shim's file in ShimDir. After including it, the
	// platform's API names refer to the emulation and the macros that
	// select the platform's branch in Go's source (__APPLE__, __sun,
	// __illumos__)
	// are set.
	Shim string
	// GoSource is the toolchain's stack-bound source for the platform,
	// relative to GOROOT, where ReplacedFile exists.
	GoSource string
	// ThreadStack is the platform's default stack for threads created with
	// default attributes, which the shim's constructor installs with
	// pthread_setattr_default_np.
	ThreadStack string
	Quirks      []Quirk
}

// Quirk is a behaviour of some releases of a platform that a variant
// turns on by defining Macro before the shim.
type Quirk struct {
	Variant string // the runtime variant that selects it
	Macro   string
	Summary string
}

// Platforms lists the emulated platforms.
var Platforms = []Platform{
	{
		Name:        "darwin",
		Shim:        "darwin.c",
		GoSource:    "src/runtime/cgo/gcc_stack_darwin.c",
		ThreadStack: "512 KiB",
		Quirks: []Quirk{
			{Variant: "quirk-main512k", Macro: "LAB_QUIRK_MAIN512K",
				Summary: "The main thread reports a 512 KiB stack, as macOS 10.9 and 10.10 do for an 8 MiB one."},
			{Variant: "quirk-main8m", Macro: "LAB_QUIRK_MAIN8M",
				Summary: "The main thread reports 8 MiB whatever RLIMIT_STACK is, as macOS 10.11 does."},
		},
	},
	{
		Name:        "solaris",
		Shim:        "solaris.c",
		GoSource:    ReplacedFile,
		ThreadStack: "2 MiB",
		Quirks: []Quirk{
			{Variant: "quirk-unlimited-mapped", Macro: "LAB_QUIRK_UNLIMITED_MAPPED",
				Summary: "Under an unlimited RLIMIT_STACK the main thread reports the stack faulted in at start-up, not the maximum, as older Solaris releases did."},
		},
	},
	{
		Name:        "illumos",
		Shim:        "illumos.c",
		GoSource:    ReplacedFile,
		ThreadStack: "2 MiB minus two pages",
		Quirks: []Quirk{
			{Variant: "quirk-unlimited-wrap", Macro: "LAB_QUIRK_UNLIMITED_WRAP",
				Summary: "Under an unlimited RLIMIT_STACK the main thread reports the size RLIM_INFINITY (-3 on LP64), so the range wraps past the stack top."},
		},
	},
}

// PlatformByName returns the named platform.
func PlatformByName(name string) (Platform, error) {
	for _, p := range Platforms {
		if p.Name == name {
			return p, nil
		}
	}
	var names []string
	for _, p := range Platforms {
		names = append(names, p.Name)
	}
	return Platform{}, fmt.Errorf("unknown stack-bound platform %q: valid platforms are %s", name, strings.Join(names, ", "))
}

// QuirkVariants returns the variant names of every platform's quirks.
func QuirkVariants() []string {
	var names []string
	for _, p := range Platforms {
		for _, q := range p.Quirks {
			names = append(names, q.Variant)
		}
	}
	return names
}

// ErrNoStackBound marks a toolchain whose runtime/cgo has no
// x_cgo_getstackbound (Go 1.20 and earlier), so no platform's stack-bound
// source can be compiled against a shim.
var ErrNoStackBound = errors.New("runtime/cgo has no x_cgo_getstackbound")

// Overlay returns the file to replace (relative to GOROOT) and its
// replacement for platform p with the quirks that the parts of variant
// (joined with "+") select, for a toolchain at goroot whose files read
// returns, with the shims in shimDir (ShimDir in the images). stamp goes
// into a comment so that a change of the shims, which the Go build cache
// does not see, changes the file; the image tag serves.
func Overlay(p Platform, variant, goroot, shimDir, stamp string, read func(rel string) ([]byte, error)) (string, []byte, error) {
	replaced, source := ReplacedFile, p.GoSource
	if _, err := read(ReplacedFile); err != nil {
		replaced, source = PthreadFile, PthreadFile
	}
	src, err := read(source)
	if err != nil {
		return "", nil, fmt.Errorf("%w: read %s: %v", ErrNoStackBound, source, err)
	}
	if !bytes.Contains(src, []byte("x_cgo_getstackbound")) {
		return "", nil, fmt.Errorf("%w: %s does not define it", ErrNoStackBound, source)
	}
	var macros []string
	for _, part := range strings.Split(variant, "+") {
		if !slices.Contains(QuirkVariants(), part) {
			continue
		}
		i := slices.IndexFunc(p.Quirks, func(q Quirk) bool { return q.Variant == part })
		if i < 0 {
			return "", nil, fmt.Errorf("variant %s is a quirk of another platform than %s", part, p.Name)
		}
		macros = append(macros, p.Quirks[i].Macro)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "// Code generated by cgohostlab for the %s-like stack-bound variant %s. DO NOT EDIT.\n", p.Name, variant)
	fmt.Fprintf(&b, "// Shims: %s\n\n", stamp)
	for _, m := range macros {
		fmt.Fprintf(&b, "#define %s 1\n", m)
	}
	fmt.Fprintf(&b, "#include %q\n", strings.TrimSuffix(shimDir, "/")+"/"+p.Shim)
	// The toolchain's own file, by absolute path: a relative include
	// would find this file first, which replaces it or its neighbour.
	fmt.Fprintf(&b, "#include %q\n", strings.TrimSuffix(goroot, "/")+"/"+source)
	return replaced, []byte(b.String()), nil
}
