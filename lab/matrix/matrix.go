// Package matrix declares the lab's axes as data (images, toolchains and
// the runtime variants each image runs) and selects the cells of a run.
// A cell is (image, toolchain, variant, scenario), named in that order with
// slashes, which is also its subtest name under TestMatrix.
package matrix

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cgohostlab/cgohostlab/lab/image"
	"github.com/cgohostlab/cgohostlab/lab/overlay"
	"github.com/cgohostlab/cgohostlab/scenarios"
)

// Image is a lab image and the variants its cells run.
type Image struct {
	image.Image
	Variants []VariantUse
	Notes    string
}

// VariantUse is a variant as one image runs it.
type VariantUse struct {
	Variant string
	// Smoke limits the variant's cells in the smoke set (-short) to these
	// scenarios; nil keeps every smoke scenario.
	Smoke []string
	Notes string
}

// Images lists the lab images.
var Images = []Image{
	{
		Image:    image.Image{Name: "glibc", Base: "bookworm", CC: "gcc", Libc: "glibc"},
		Variants: []VariantUse{{Variant: "stock"}},
		Notes:    "Debian bookworm, glibc 2.36, gcc 12.",
	},
	{
		Image: image.Image{Name: "musl", Base: "bookworm", CC: "musl-gcc", Libc: "musl"},
		Variants: []VariantUse{
			{
				Variant: "stock",
				Smoke:   []string{"startup"},
				Notes:   "Every stock c-archive host dies at start-up (known issue go13492); the smoke set shows it once.",
			},
			{
				Variant: "noargv",
				Notes:   "The lab's workaround for go13492, so the musl scenarios run at all.",
			},
		},
		Notes: "Debian bookworm's musl-tools (musl 1.2.3), hosts and libraries built with musl-gcc.",
	},
}

// Toolchain is a Go toolchain that builds the libraries.
type Toolchain struct {
	Name  string
	Notes string
}

// Toolchains lists the toolchains.
var Toolchains = []Toolchain{
	{Name: "host", Notes: "The Go that runs the lab; its GOROOT is mounted read-only into the containers."},
}

// Cell is one (image, toolchain, variant, scenario).
type Cell struct {
	Image     string
	Toolchain string
	Variant   string
	Scenario  string
}

// Name returns "image/toolchain/variant/scenario".
func (c Cell) Name() string {
	return c.Image + "/" + c.Toolchain + "/" + c.Variant + "/" + c.Scenario
}

// Group returns the cell's (image, toolchain, variant): the cells that
// share one container and one build.
func (c Cell) Group() string {
	return c.Image + "/" + c.Toolchain + "/" + c.Variant
}

// ImageByName returns the named image.
func ImageByName(name string) (Image, error) {
	for _, im := range Images {
		if im.Name == name {
			return im, nil
		}
	}
	return Image{}, fmt.Errorf("unknown image %q: valid images are %s", name, strings.Join(ImageNames(), ", "))
}

// ImageNames returns the image names.
func ImageNames() []string {
	var n []string
	for _, im := range Images {
		n = append(n, im.Name)
	}
	return n
}

// ToolchainNames returns the toolchain names.
func ToolchainNames() []string {
	var n []string
	for _, tc := range Toolchains {
		n = append(n, tc.Name)
	}
	return n
}

// Filter selects cells.
type Filter struct {
	// Exact names; empty selects all. Unknown names are an error.
	Images, Toolchains, Variants, Scenarios []string
	// Pattern is a -run style pattern; see Select.
	Pattern string
	// Short selects the smoke set.
	Short bool
}

// All returns every cell of the matrix in order: images, toolchains,
// variants, scenarios.
func All(set *scenarios.Set) []Cell {
	var cells []Cell
	for _, im := range Images {
		for _, tc := range Toolchains {
			for _, vu := range im.Variants {
				for _, sc := range set.Scenarios {
					cells = append(cells, Cell{im.Name, tc.Name, vu.Variant, sc.Name})
				}
			}
		}
	}
	return cells
}

// Select returns the cells that f selects, or an error naming an unknown
// value and the valid ones.
//
// Pattern works like go test -run below TestMatrix: it is split at
// slashes outside brackets and parentheses, and element i must match
// level i of the cell name (image, toolchain, variant, scenario). A
// pattern of one element also selects a cell when it matches the whole
// cell name or the id of the known issue expected in the cell, so
// -run 'musl' and -run '13492' work.
func Select(set *scenarios.Set, f Filter) ([]Cell, error) {
	if err := checkNames("image", f.Images, ImageNames()); err != nil {
		return nil, err
	}
	if err := checkNames("toolchain", f.Toolchains, ToolchainNames()); err != nil {
		return nil, err
	}
	if err := checkNames("variant", f.Variants, overlay.VariantNames()); err != nil {
		return nil, err
	}
	if err := checkNames("scenario", f.Scenarios, set.Names()); err != nil {
		return nil, err
	}
	match, err := compilePattern(f.Pattern)
	if err != nil {
		return nil, err
	}

	var cells []Cell
	for _, c := range All(set) {
		if !in(f.Images, c.Image) || !in(f.Toolchains, c.Toolchain) ||
			!in(f.Variants, c.Variant) || !in(f.Scenarios, c.Scenario) {
			continue
		}
		sc := set.Scenario(c.Scenario)
		if f.Short && !inSmoke(c, sc) {
			continue
		}
		if match != nil && !match(c, sc.Expected(c.Image, c.Toolchain, c.Variant).Issue) {
			continue
		}
		cells = append(cells, c)
	}
	if len(cells) == 0 {
		return nil, fmt.Errorf("the filter selects no cell (pattern %q, short=%v): cell names are image/toolchain/variant/scenario "+
			"with images %s; toolchains %s; variants %s; scenarios %s",
			f.Pattern, f.Short, strings.Join(ImageNames(), ", "), strings.Join(ToolchainNames(), ", "),
			strings.Join(overlay.VariantNames(), ", "), strings.Join(set.Names(), ", "))
	}
	return cells, nil
}

func inSmoke(c Cell, sc *scenarios.Scenario) bool {
	if !sc.Smoke {
		return false
	}
	im, err := ImageByName(c.Image)
	if err != nil {
		return false
	}
	for _, vu := range im.Variants {
		if vu.Variant == c.Variant {
			return vu.Smoke == nil || slices.Contains(vu.Smoke, c.Scenario)
		}
	}
	return false
}

func in(list []string, v string) bool {
	return len(list) == 0 || slices.Contains(list, v)
}

func checkNames(what string, got, valid []string) error {
	for _, g := range got {
		if !slices.Contains(valid, g) {
			return fmt.Errorf("unknown %s %q: valid %ss are %s", what, g, what, strings.Join(valid, ", "))
		}
	}
	return nil
}

// compilePattern returns a matcher for a -run style pattern, or nil for
// an empty pattern.
func compilePattern(pattern string) (func(c Cell, issue string) bool, error) {
	if pattern == "" {
		return nil, nil
	}
	elems := SplitPattern(pattern)
	if len(elems) > 4 {
		return nil, fmt.Errorf("invalid pattern %q: a cell name has 4 levels (image/toolchain/variant/scenario), the pattern has %d", pattern, len(elems))
	}
	res := make([]*regexp.Regexp, len(elems))
	for i, e := range elems {
		re, err := regexp.Compile(e)
		if err != nil {
			return nil, fmt.Errorf("invalid pattern %q: element %q: %w", pattern, e, err)
		}
		res[i] = re
	}
	return func(c Cell, issue string) bool {
		levels := []string{c.Image, c.Toolchain, c.Variant, c.Scenario}
		if len(res) == 1 && (res[0].MatchString(c.Name()) || (issue != "" && res[0].MatchString(issue))) {
			return true
		}
		for i, re := range res {
			if !re.MatchString(levels[i]) {
				return false
			}
		}
		return true
	}, nil
}

// SplitPattern splits a -run pattern at slashes outside brackets and
// parentheses, as the testing package does.
func SplitPattern(pattern string) []string {
	var elems []string
	depth, start := 0, 0
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		case '\\':
			i++
		case '/':
			if depth == 0 {
				elems = append(elems, pattern[start:i])
				start = i + 1
			}
		}
	}
	return append(elems, pattern[start:])
}
