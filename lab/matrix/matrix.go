// Package matrix declares the lab's axes as data (images, toolchains and
// the runtime variants each image runs) and selects the cells of a run.
// A cell is (image, toolchain, variant, scenario), named in that order with
// slashes, which is also its subtest name under TestMatrix.
package matrix

import (
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/cgohostlab/cgohostlab/lab/image"
	"github.com/cgohostlab/cgohostlab/lab/overlay"
	"github.com/cgohostlab/cgohostlab/scenarios"
)

// Image is a lab image, the toolchains of the default matrix on it, and
// the variants its cells run.
type Image struct {
	image.Image
	Toolchains []string
	Variants   []VariantUse
	// StackBound names the platform whose stack-bound API the image's
	// shims emulate (see package stackbound); empty for plain images.
	StackBound string
	// NotApplicable maps each toolchain that the image never runs to the
	// reason, for the report and for filters that name it.
	NotApplicable map[string]string
	// SmokeToolchains are the toolchains of the image's smoke cells; nil
	// means smokeToolchains.
	SmokeToolchains []string
	// CacheImage is the image whose build-cache volumes this one shares;
	// empty means its own.
	CacheImage string
	Notes      string
}

// VariantUse is a variant as one image runs it.
type VariantUse struct {
	Variant string
	// Smoke limits the variant's cells in the smoke set (-short) to these
	// scenarios; nil keeps every smoke scenario.
	Smoke []string
	// NoSmoke leaves the variant out of the smoke set.
	NoSmoke bool
	// Scenarios limits the variant's cells to these scenarios; nil runs
	// every scenario.
	Scenarios []string
	Notes     string
}

// injections lists the regression injections; an image runs each as a
// variant of its own.
var injections = []string{"sticky-bounds", "no-bounds-update", "estimate-only", "leak-on-exit", "refresh-every-call"}

func glibcVariants() []VariantUse {
	v := []VariantUse{{Variant: "stock"}}
	for _, inj := range injections {
		v = append(v, VariantUse{Variant: inj, NoSmoke: inj != "sticky-bounds"})
	}
	return v
}

// muslVariants puts the noargv workaround under every injection, because
// without it no stock c-archive host starts on musl. refresh-every-call is
// left out: the runtime takes no bounds from musl, so a refresh costs
// nothing that callbackcost could see.
func muslVariants() []VariantUse {
	v := []VariantUse{
		{
			Variant: "stock",
			Smoke:   []string{"startup"},
			Notes:   "Every stock c-archive host dies at start-up (known issue go13492); the smoke set shows it once.",
		},
		{Variant: "noargv", Notes: "The lab's workaround for go13492, so the musl scenarios run at all."},
	}
	for _, inj := range injections {
		if inj == "refresh-every-call" {
			continue
		}
		v = append(v, VariantUse{Variant: "noargv+" + inj, NoSmoke: inj != "sticky-bounds"})
	}
	return v
}

// Images lists the lab images. The bookworm images carry Debian's Go 1.19
// (the baseline before C threads kept their Ms) and 1.21 to 1.23, and the
// trixie images carry Go 1.24 to 1.26. The Go that runs the lab and a
// downloaded Go 1.27 fill in where Debian packages no toolchain.
var Images = []Image{
	{
		Image:      image.Image{Name: "glibc", Dir: "glibc", Base: "bookworm", CC: "gcc", Libc: "glibc"},
		Toolchains: []string{"go1.19", "go1.21", "go1.22", "go1.23", "host"},
		Variants:   glibcVariants(),
		Notes:      "Debian bookworm, glibc 2.36, gcc 12.",
	},
	{
		Image:      image.Image{Name: "musl", Dir: "musl", Base: "bookworm", CC: "musl-gcc", Libc: "musl"},
		Toolchains: []string{"go1.19", "go1.21", "go1.22", "go1.23", "host"},
		Variants:   muslVariants(),
		Notes:      "Debian bookworm's musl-tools (musl 1.2.3), hosts and libraries built with musl-gcc.",
	},
	{
		Image:      image.Image{Name: "glibc-trixie", Dir: "glibc", Base: "trixie", CC: "gcc", Libc: "glibc"},
		Toolchains: []string{"go1.24", "go1.25", "go1.26", "go1.27"},
		Variants:   glibcVariants(),
		Notes:      "Debian trixie, glibc 2.41.",
	},
	{
		Image:      image.Image{Name: "musl-trixie", Dir: "musl", Base: "trixie", CC: "musl-gcc", Libc: "musl"},
		Toolchains: []string{"go1.24", "go1.25", "go1.26", "go1.27"},
		Variants:   muslVariants(),
		Notes:      "Debian trixie's musl-tools (musl 1.2.5).",
	},
	{
		Image:      image.Image{Name: "glibc-bullseye", Dir: "glibc", Base: "bullseye", CC: "gcc", Libc: "glibc"},
		Toolchains: []string{"go1.21", "go1.22", "host"},
		Variants: []VariantUse{{
			Variant: "stock",
			Smoke:   []string{"rawclone"},
			Notes:   "The smoke set shows golang/go#65625 with Go 1.21 and its fix in Go 1.22.",
		}},
		SmokeToolchains: []string{"go1.21", "go1.22"},
		Notes:           "Debian bullseye, glibc 2.31 (before 2.32 changed pthread_getattr_np's error paths), and Go 1.21 and 1.22 from bookworm-backports.",
	},
}

func init() {
	Images = append(Images, stackBoundImages()...)
}

// ToolchainKind is the source of a toolchain.
type ToolchainKind string

// Toolchain kinds.
const (
	// Host is the Go that runs the lab. Its GOROOT is bind-mounted, or
	// copied into a volume where the engine cannot see the lab's files.
	Host ToolchainKind = "host"
	// Debian is a golang-1.NN-go package installed in the image.
	Debian ToolchainKind = "debian"
	// Download is a release that the go command fetches through
	// GOTOOLCHAIN from the module proxy into the host's module cache. That
	// GOROOT is mounted as Host's is.
	Download ToolchainKind = "download"
)

// Toolchain is a Go toolchain that builds the libraries.
type Toolchain struct {
	Name  string
	Kind  ToolchainKind
	Minor int // Go 1.Minor; for Host, the running Go's
	// Base is the base whose Debian release packages a Debian toolchain.
	// Another base may install the same package (bullseye installs Go
	// 1.21 and 1.22 from bookworm-backports).
	Base string
	// Release is the GOTOOLCHAIN value of a Download toolchain.
	Release string
	Notes   string
}

// GOROOT returns a Debian toolchain's GOROOT inside the image.
func (tc Toolchain) GOROOT() string {
	return fmt.Sprintf("/usr/lib/go-1.%d", tc.Minor)
}

// Toolchains lists the toolchains.
var Toolchains = []Toolchain{
	{Name: "go1.19", Kind: Debian, Minor: 19, Base: "bookworm", Notes: "golang-1.19-go: before C threads kept their Ms; the baseline."},
	{Name: "go1.21", Kind: Debian, Minor: 21, Base: "bookworm", Notes: "golang-1.21-go from bookworm-backports."},
	{Name: "go1.22", Kind: Debian, Minor: 22, Base: "bookworm", Notes: "golang-1.22-go from bookworm-backports."},
	{Name: "go1.23", Kind: Debian, Minor: 23, Base: "bookworm", Notes: "golang-1.23-go from bookworm-backports."},
	{Name: "go1.24", Kind: Debian, Minor: 24, Base: "trixie", Notes: "golang-1.24-go from trixie."},
	{Name: "go1.25", Kind: Debian, Minor: 25, Base: "trixie", Notes: "golang-1.25-go from trixie-backports."},
	{Name: "go1.26", Kind: Debian, Minor: 26, Base: "trixie", Notes: "golang-1.26-go from trixie-backports."},
	{Name: "go1.27", Kind: Download, Minor: 27, Release: "go1.27.3", Notes: "go1.27.3, fetched with GOTOOLCHAIN from the module proxy."},
	{Name: "host", Kind: Host, Minor: hostMinor(), Notes: "The Go that runs the lab; its GOROOT is mounted read-only into the containers."},
}

// hostMinor returns the minor version of the Go that built the lab.
func hostMinor() int {
	var minor int
	fmt.Sscanf(strings.TrimPrefix(runtime.Version(), "go1."), "%d", &minor)
	return minor
}

// ToolchainByName returns the named toolchain.
func ToolchainByName(name string) (Toolchain, error) {
	for _, tc := range Toolchains {
		if tc.Name == name {
			return tc, nil
		}
	}
	return Toolchain{}, fmt.Errorf("unknown toolchain %q: valid toolchains are %s", name, strings.Join(ToolchainNames(), ", "))
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

// Expect returns the coordinates that expectations match against.
func (c Cell) Expect() scenarios.Cell {
	libc := ""
	if im, err := ImageByName(c.Image); err == nil {
		libc = im.Libc
	}
	return scenarios.Cell{Libc: libc, Image: c.Image, Toolchain: c.Toolchain, Variant: c.Variant}
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
	// Shard selects one deterministic slice of the cells; the zero value
	// selects all.
	Shard Shard
	// Patch, when set, is the name of a patch trial's patch: every
	// selected cell that is not an injection gets a patched twin (see
	// withPatch). Images, Toolchains, Variants and Scenarios select the
	// unpatched cells, and Pattern matches the patched names too.
	Patch string
}

// NotApplicable is a toolchain that an image never runs, and why.
type NotApplicable struct {
	Image     string `json:"image"`
	Toolchain string `json:"toolchain"`
	Reason    string `json:"reason"`
}

func (n NotApplicable) String() string {
	return fmt.Sprintf("%s is not applicable on %s: %s", n.Toolchain, n.Image, n.Reason)
}

// NotApplicableIn returns the pairs of image and toolchain that filter f
// names, or leaves open, and that are not applicable. When cells is not
// nil, only the images of those cells count.
func NotApplicableIn(f Filter, cells []Cell) []NotApplicable {
	var na []NotApplicable
	for _, im := range Images {
		if !in(f.Images, im.Name) {
			continue
		}
		if cells != nil && !slices.ContainsFunc(cells, func(c Cell) bool { return c.Image == im.Name }) {
			continue
		}
		tcs := make([]string, 0, len(im.NotApplicable))
		for tc := range im.NotApplicable {
			tcs = append(tcs, tc)
		}
		slices.Sort(tcs)
		for _, tc := range tcs {
			if in(f.Toolchains, tc) {
				na = append(na, NotApplicable{im.Name, tc, im.NotApplicable[tc]})
			}
		}
	}
	return na
}

// All returns every cell of the matrix in order: images, toolchains,
// variants, scenarios. A variant that needs a newer Go than a toolchain
// (an injection into code that toolchain does not have) has no cell there.
func All(set *scenarios.Set) []Cell {
	var cells []Cell
	for _, im := range Images {
		for _, tcName := range im.Toolchains {
			tc, err := ToolchainByName(tcName)
			if err != nil {
				continue // the tables test reports it
			}
			for _, vu := range im.Variants {
				v, err := overlay.VariantByName(vu.Variant)
				if err != nil || v.MinMinor > tc.Minor {
					continue
				}
				for _, sc := range set.Scenarios {
					if vu.Scenarios != nil && !slices.Contains(vu.Scenarios, sc.Name) {
						continue
					}
					if v.Catches != "" && sc.Name != v.Catches {
						continue // an injection runs only the scenario that must catch it
					}
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
// -run 'musl' and -run '13492' work. A selected injection cell brings its
// control cell along (see controlOf).
func Select(set *scenarios.Set, f Filter) ([]Cell, error) {
	if err := checkNames("image", f.Images, ImageNames()); err != nil {
		return nil, err
	}
	if err := checkNames("toolchain", f.Toolchains, ToolchainNames()); err != nil {
		return nil, err
	}
	if err := checkNames("variant", f.Variants, VariantNames()); err != nil {
		return nil, err
	}
	if err := checkNames("scenario", f.Scenarios, set.Names()); err != nil {
		return nil, err
	}
	if err := CheckExpectations(set); err != nil {
		return nil, err
	}
	match, err := compilePattern(f.Pattern)
	if err != nil {
		return nil, err
	}

	all := All(set)
	if f.Patch != "" {
		all = withPatch(all, f.Patch)
	}
	matched := map[Cell]bool{}
	for _, c := range all {
		if match == nil || match(c, set.Scenario(c.Scenario).Expected(c.Expect()).Issue) {
			matched[c] = true
		}
	}
	// A cell of an injection brings its control along: the same image,
	// toolchain and scenario without the injection, so -run 59294 shows
	// the bug reproduced and the stock runtime passing side by side.
	for c := range matched {
		if control, ok := controlOf(c); ok {
			matched[control] = true
		}
	}

	var cells []Cell
	for _, c := range all {
		base, _ := SplitPatch(c.Variant)
		if !matched[c] || !in(f.Images, c.Image) || !in(f.Toolchains, c.Toolchain) ||
			!in(f.Variants, base) || !in(f.Scenarios, c.Scenario) {
			continue
		}
		if f.Short && !inSmoke(c, set.Scenario(c.Scenario)) {
			continue
		}
		cells = append(cells, c)
	}
	if len(cells) > 0 {
		cells = f.Shard.Select(cells)
		if len(cells) == 0 {
			// More shards than groups: this shard has nothing to do.
			return nil, nil
		}
	}
	if len(cells) == 0 {
		if na := NotApplicableIn(f, nil); len(f.Toolchains) > 0 && len(na) > 0 {
			var reasons []string
			for _, n := range na {
				reasons = append(reasons, n.String())
			}
			return nil, fmt.Errorf("the filter selects no cell: %s", strings.Join(reasons, "; "))
		}
		return nil, fmt.Errorf("the filter selects no cell (pattern %q, short=%v): cell names are image/toolchain/variant/scenario "+
			"with images %s; toolchains %s; variants %s; scenarios %s; a pattern may also be a known-issue id such as go59294",
			f.Pattern, f.Short, strings.Join(ImageNames(), ", "), strings.Join(ToolchainNames(), ", "),
			strings.Join(VariantNames(), ", "), strings.Join(set.Names(), ", "))
	}
	return cells, nil
}

// controlOf returns the cell that differs from c only by lacking c's
// injection: variant "stock" for "sticky-bounds", "noargv" for
// "noargv+sticky-bounds".
func controlOf(c Cell) (Cell, bool) {
	var rest []string
	found := false
	for _, part := range strings.Split(c.Variant, "+") {
		if v, err := overlay.VariantByName(part); err == nil && v.Injection {
			found = true
			continue
		}
		rest = append(rest, part)
	}
	if !found {
		return Cell{}, false
	}
	control := c
	control.Variant = "stock"
	if len(rest) > 0 {
		control.Variant = strings.Join(rest, "+")
	}
	return control, true
}

func inSmoke(c Cell, sc *scenarios.Scenario) bool {
	if !sc.Smoke {
		return false
	}
	im, err := ImageByName(c.Image)
	if err != nil {
		return false
	}
	toolchains := smokeToolchains
	if im.SmokeToolchains != nil {
		toolchains = im.SmokeToolchains
	}
	if !slices.Contains(smokeImages, c.Image) || !slices.Contains(toolchains, c.Toolchain) {
		return false
	}
	if im.StackBound != "" && c.Toolchain != "host" {
		return false // the stack-bound images smoke with the host Go only
	}
	base, _ := SplitPatch(c.Variant)
	for _, vu := range im.Variants {
		if vu.Variant == base {
			return !vu.NoSmoke && (vu.Smoke == nil || slices.Contains(vu.Smoke, c.Scenario))
		}
	}
	return false
}

// smokeImages are the images of the smoke set: all but glibc-bullseye on
// one base to bootstrap. glibc-bullseye costs a second base, for the one
// glibc before 2.32 of the matrix.
var smokeImages = []string{"glibc", "musl", "darwinlike", "solarislike", "illumoslike", "glibc-bullseye"}

// smokeToolchains are the toolchains of the smoke set: the baseline, one
// of the first with bound Ms, and the Go that runs the lab.
var smokeToolchains = []string{"go1.19", "go1.22", "host"}

// VariantNames returns the names of the variants that some image runs.
func VariantNames() []string {
	var names []string
	for _, im := range Images {
		for _, vu := range im.Variants {
			if !slices.Contains(names, vu.Variant) {
				names = append(names, vu.Variant)
			}
		}
	}
	return names
}

func in(list []string, v string) bool {
	return len(list) == 0 || slices.Contains(list, v)
}

func checkNames(axis string, got, valid []string) error {
	for _, g := range got {
		if !slices.Contains(valid, g) {
			return fmt.Errorf("unknown %s %q: valid %ss are %s", axis, g, axis, strings.Join(valid, ", "))
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
