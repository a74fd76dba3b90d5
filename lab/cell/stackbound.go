package cell

import (
	"context"
	"fmt"

	"github.com/cgohostlab/cgohostlab/lab/stackbound"
)

// addStackBound adds to files the runtime/cgo replacement of a stack-bound
// image: the image's shim for its platform, with the variant's quirks,
// and the toolchain's own stack-bound source for that platform.
func (g *Group) addStackBound(ctx context.Context, files map[string][]byte) error {
	if g.Image.StackBound == "" {
		if g.Variant.Quirk {
			return fmt.Errorf("variant %s is a quirk of a stack-bound image's shims, but image %s has none: run it on darwinlike, solarislike or illumoslike", g.Variant.Name, g.Image.Name)
		}
		return nil
	}
	p, err := stackbound.PlatformByName(g.Image.StackBound)
	if err != nil {
		return err
	}
	replaced, src, err := stackbound.Overlay(p, g.Variant.Name, g.goroot, stackbound.ShimDir, "image "+g.ImageTag, g.readGOROOT(ctx))
	if err != nil {
		return fmt.Errorf("%s-like stack bounds on %s: %w", p.Name, g.GoVersion, err)
	}
	files[replaced] = src
	return nil
}
