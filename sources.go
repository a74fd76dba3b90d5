// Package cgohostlab carries the sources that the lab copies into its
// images: the C hosts and their harness, the Go libraries, and the image
// definitions. Embedding them lets the lab run from a test binary or the
// runner image without a checkout beside it.
package cgohostlab

import "embed"

// Sources holds hosts/, golibs/ and images/ as they are in the repository.
//
//go:embed hosts/*.c hosts/*.h golibs images
var Sources embed.FS

// GolibsGoMod is the go.mod the lab writes beside the library sources it
// copies into an image. The root module's go.mod cannot serve: it names
// the lab's own dependencies and a newer go line than old toolchains
// accept. go 1.19 lets every toolchain of the matrix build the libraries.
const GolibsGoMod = "module cgohostlab.test/golibs\n\ngo 1.19\n"
