package overlay

import "github.com/cgohostlab/cgohostlab/lab/stackbound"

// The quirk variants of the stack-bound images. They edit no Go source:
// the cell build passes the variant's name to stackbound.Overlay, which
// defines the quirk's macro before the image's shim. They need
// x_cgo_getstackbound, which runtime/cgo has since Go 1.21.
func init() {
	for _, p := range stackbound.Platforms {
		for _, q := range p.Quirks {
			Variants = append(Variants, Variant{
				Name:     q.Variant,
				Summary:  p.Name + "-like images: " + q.Summary,
				Quirk:    true,
				MinMinor: 21,
			})
		}
	}
}
