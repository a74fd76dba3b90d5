package matrix

import (
	"strings"

	"github.com/cgohostlab/cgohostlab/lab/overlay"
)

// patchPart starts the part of a variant name that names a patch trial's
// patch: "stock+patch=musl-argv" is variant stock with patch musl-argv.
const patchPart = "+patch="

// PatchedVariant returns the name of variant with patch applied.
func PatchedVariant(variant, patch string) string {
	return variant + patchPart + patch
}

// SplitPatch splits a variant name into the variant and the name of its
// patch, which is empty for an unpatched variant.
func SplitPatch(variant string) (base, patch string) {
	base, patch, _ = strings.Cut(variant, patchPart)
	return base, patch
}

// withPatch returns cells with a patched twin after each cell whose
// variant is not a regression injection: the same image, toolchain and
// scenario with variant "VARIANT+patch=NAME". Injections stay unpatched,
// because their edits expect the toolchain's code as shipped.
func withPatch(cells []Cell, patch string) []Cell {
	var out []Cell
	for _, c := range cells {
		out = append(out, c)
		if v, err := overlay.VariantByName(c.Variant); err != nil || v.Injection {
			continue
		}
		twin := c
		twin.Variant = PatchedVariant(c.Variant, patch)
		out = append(out, twin)
	}
	return out
}
