package matrix

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cgohostlab/cgohostlab/lab/overlay"
	"github.com/cgohostlab/cgohostlab/scenarios"
)

// CheckExpectations returns an error for the first expectation of a
// scenario that names a C library, image, toolchain or variant the matrix
// does not have. Such an expectation would match no cell, so a typo would
// silently leave every cell expected to pass.
func CheckExpectations(set *scenarios.Set) error {
	var libcs []string
	for _, im := range Images {
		if !slices.Contains(libcs, im.Libc) {
			libcs = append(libcs, im.Libc)
		}
	}
	variants := slices.Concat(VariantNames(), overlay.VariantNames())
	for _, sc := range set.Scenarios {
		file := "scenarios/" + sc.Name + ".json"
		if sc.Dir != "" {
			file = filepath.Join(sc.Dir, "scenario.json")
		}
		for i, e := range sc.Expect {
			for _, f := range []struct {
				field, value string
				valid        []string
			}{
				{"libc", e.Libc, libcs},
				{"image", e.Image, ImageNames()},
				{"toolchain", e.Toolchain, ToolchainNames()},
				{"variant", e.Variant, variants},
			} {
				if f.value != "" && !slices.Contains(f.valid, f.value) {
					return fmt.Errorf("%s: field expect[%d].%s: unknown %s %q, so the expectation matches no cell: valid values are %s",
						file, i, f.field, f.field, f.value, strings.Join(f.valid, ", "))
				}
			}
		}
	}
	return nil
}
