package matrix

import (
	"slices"

	"github.com/cgohostlab/cgohostlab/lab/image"
	"github.com/cgohostlab/cgohostlab/lab/stackbound"
)

// stackBoundScenarios are the scenarios that the stack-bound images run:
// the ones that judge g0 bounds. The quirk variants run those that
// involve the main thread.
var (
	stackBoundScenarios = []string{"startup", "deepstack", "stackswitch", "smallstack", "bounds", "bounds-1m", "bounds-unlimited"}
	quirkScenarios      = []string{"deepstack", "bounds", "bounds-1m", "bounds-unlimited"}
)

// smokeQuirks are the quirk variants in the smoke set: one per platform,
// each with the expectation that the issue names for it.
var smokeQuirks = []string{"quirk-main512k", "quirk-unlimited-mapped", "quirk-unlimited-wrap"}

// stackBoundToolchains are the toolchains of the stack-bound images by
// base: Debian's Go 1.21 to 1.23 and the host Go on bookworm, the newest
// Go on trixie. Go 1.19 is not applicable, because its runtime/cgo has no
// x_cgo_getstackbound to compile against a shim.
var stackBoundToolchains = map[string][]string{
	"bookworm": {"go1.21", "go1.22", "go1.23", "host"},
	"trixie":   {"go1.27"},
}

// noGetStackBound is the reason that Go 1.19 has no cell on the
// stack-bound images.
const noGetStackBound = "its runtime/cgo has no x_cgo_getstackbound to compile against the shims"

// stackBoundImages returns the darwinlike, solarislike and illumoslike
// images on the bookworm and trixie bases. They share the glibc images'
// build caches, because they build with the same compiler and headers.
func stackBoundImages() []Image {
	var images []Image
	for _, p := range stackbound.Platforms {
		variants := []VariantUse{{Variant: "stock", Scenarios: stackBoundScenarios, Smoke: []string{"startup", "bounds", "bounds-1m", "bounds-unlimited"}}}
		for _, q := range p.Quirks {
			variants = append(variants, VariantUse{Variant: q.Variant, Scenarios: quirkScenarios, Smoke: []string{"bounds", "bounds-1m", "bounds-unlimited"},
				NoSmoke: !slices.Contains(smokeQuirks, q.Variant), Notes: q.Summary})
			if q.Variant == "quirk-unlimited-mapped" {
				// The toolchains of the matrix reject bounds that do not
				// contain SP; this injection shows what trusting them does.
				variants = append(variants, VariantUse{Variant: q.Variant + "+trust-bounds", Notes: "The quirk with an injected runtime that trusts the bounds."})
			}
		}
		for _, base := range []struct{ name, suffix, cache string }{{"bookworm", "", "glibc"}, {"trixie", "-trixie", "glibc-trixie"}} {
			images = append(images, Image{
				Image: image.Image{
					Name: p.Name + "like" + base.suffix, Dir: "stackbound", Base: base.name, CC: "gcc", Libc: "glibc",
				},
				StackBound:    p.Name,
				CacheImage:    base.cache,
				Toolchains:    stackBoundToolchains[base.name],
				NotApplicable: map[string]string{"go1.19": noGetStackBound},
				Variants:      variants,
				Notes: "Debian " + base.name + "'s glibc with shims that emulate " + p.Name + "'s stack-bound API; default thread stack " +
					p.ThreadStack + ". Go 1.19 is not applicable: " + noGetStackBound + ".",
			})
		}
	}
	return images
}
