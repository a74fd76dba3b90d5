package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/cgohostlab/cgohostlab/lab/judge"
)

// BenchFile is the name of the benchmark file in the report directory,
// in the Go benchmark format, so `benchstat old/bench.txt new/bench.txt`
// compares two runs and `benchstat -col /go bench.txt` compares the
// toolchains of one.
const BenchFile = "bench.txt"

// benchName returns the Go benchmark name of one bench kind of a cell,
// without the Benchmark prefix, or "" for a kind the file leaves out.
// version is the cell's `go version`, such as "go1.26.8 linux/amd64".
func benchName(c *Cell, version, kind string) string {
	var base, leaf string
	switch kind {
	case judge.BenchMain:
		base, leaf = "Callback", "/thread=main"
	case judge.BenchPthread:
		base, leaf = "Callback", "/thread=pthread"
	case judge.BenchFirstCall:
		base = "FirstCall"
	case judge.BenchThreadExit:
		base, leaf = "ThreadExit", "/thread=go-caller"
	case judge.BenchThreadExitC:
		base, leaf = "ThreadExit", "/thread=c-only"
	default:
		return ""
	}
	return fmt.Sprintf("%s/image=%s/go=%s/variant=%s%s", base, c.Image, goRelease(version, c.Toolchain), c.Variant, leaf)
}

// goRelease returns "1.26.8" for "go1.26.8 linux/amd64", or the
// toolchain's name when the version is unknown.
func goRelease(version, toolchain string) string {
	f := strings.Fields(version)
	if len(f) == 0 || !strings.HasPrefix(f[0], "go") {
		return toolchain
	}
	return strings.TrimPrefix(f[0], "go")
}

// version returns the `go version` of a cell's toolchain on its image;
// the caller holds r.mu.
func (r *Report) version(c *Cell) string {
	for _, tc := range r.Toolchains {
		if tc.Name == c.Toolchain && tc.Image == c.Image {
			return tc.Version
		}
	}
	return ""
}

// benchText renders every bench record of the run in the Go benchmark
// format: one line per repetition, `BenchmarkNAME N X ns/op`. Two cells
// whose names would collide (two toolchains of one Go version on one
// image) get a toolchain key as well. The caller holds r.mu.
func (r *Report) benchText() string {
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\npkg: github.com/cgohostlab/cgohostlab/hosts\n")
	owner := map[string]string{}
	for _, c := range r.Cells {
		for _, rec := range c.Records {
			if rec.Rec != "bench" || rec.Iterations <= 0 {
				continue
			}
			name := benchName(c, r.version(c), rec.Kind)
			if name == "" {
				continue
			}
			if o, ok := owner[name]; ok && o != c.Name {
				name += "/toolchain=" + c.Toolchain
			}
			owner[name] = c.Name
			fmt.Fprintf(&b, "Benchmark%s %d %.1f ns/op\n", name, rec.Iterations, rec.NsPerCall)
		}
	}
	return b.String()
}

// benchStat returns the cell's summary of one bench kind.
func benchStat(c *Cell, kind string) (judge.BenchStat, bool) {
	for _, st := range c.Benches {
		if st.Kind == kind {
			return st, true
		}
	}
	return judge.BenchStat{}, false
}

// formatStat renders a median with its spread, such as "102 ±3%".
func formatStat(st judge.BenchStat, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%s ±%.0f%%", formatNs(st.Median), 100*st.Spread)
}

func formatNs(ns float64) string {
	switch {
	case ns >= 100:
		return fmt.Sprintf("%.0f", ns)
	case ns >= 10:
		return fmt.Sprintf("%.1f", ns)
	default:
		return fmt.Sprintf("%.2f", ns)
	}
}

// benchRows returns table rows for the cells with bench records; the
// caller holds r.mu.
func (r *Report) benchRows() []string {
	var rows []string
	for _, c := range r.Cells {
		if len(c.Benches) == 0 {
			continue
		}
		cols := []string{c.Name, r.archOf(c.Image), orDash(r.version(c)), fmt.Sprint(repetitions(c))}
		for _, k := range judge.BenchKinds {
			st, ok := benchStat(c, k)
			cols = append(cols, formatStat(st, ok))
		}
		release := "-"
		exit, okExit := benchStat(c, judge.BenchThreadExit)
		exitC, okExitC := benchStat(c, judge.BenchThreadExitC)
		if okExit && okExitC {
			release = formatNs(exit.Median - exitC.Median)
		}
		cols = append(cols, release)
		rows = append(rows, "| "+strings.Join(cols, " | ")+" |")
	}
	return rows
}

// repetitions returns the largest number of samples of one bench kind.
func repetitions(c *Cell) int {
	n := 0
	for _, st := range c.Benches {
		n = max(n, len(st.Samples))
	}
	return n
}

// Speedup compares the callback cost from a C thread (the median of the
// pthread bench) of Go 1.19, the last Go that borrows an extra M on every
// callback, with a newer toolchain on the same image and variant.
type Speedup struct {
	Image     string  `json:"image"`
	Variant   string  `json:"variant"`
	Toolchain string  `json:"toolchain"`
	Version   string  `json:"version"`
	BaseNs    float64 `json:"go119_ns"`
	Ns        float64 `json:"ns"`
	Ratio     float64 `json:"ratio"` // BaseNs / Ns
}

// baselineToolchain is the toolchain the speedups are measured against.
const baselineToolchain = "go1.19"

// speedups returns the Go 1.19 ratios of every image and variant that
// ran go1.19 and another toolchain, newest version last within each
// image; the caller holds r.mu.
func (r *Report) speedups() []Speedup {
	type key struct{ image, variant string }
	base := map[key]float64{}
	for _, c := range r.Cells {
		if st, ok := benchStat(c, judge.BenchPthread); ok && c.Toolchain == baselineToolchain && st.Median > 0 {
			base[key{c.Image, c.Variant}] = st.Median
		}
	}
	var out []Speedup
	for _, c := range r.Cells {
		st, ok := benchStat(c, judge.BenchPthread)
		b, hasBase := base[key{c.Image, c.Variant}]
		if !ok || !hasBase || c.Toolchain == baselineToolchain || st.Median <= 0 {
			continue
		}
		out = append(out, Speedup{
			Image: c.Image, Variant: c.Variant, Toolchain: c.Toolchain, Version: r.version(c),
			BaseNs: b, Ns: st.Median, Ratio: b / st.Median,
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Image != out[j].Image {
			return out[i].Image < out[j].Image
		}
		if out[i].Variant != out[j].Variant {
			return out[i].Variant < out[j].Variant
		}
		return compareVersions(out[i].Version, out[j].Version) < 0
	})
	return out
}

// headline returns the one-line Go 1.19 ratio per image against the
// newest toolchain on it, preferring the stock variant; the caller holds
// r.mu.
func (r *Report) headline() string {
	best := map[string]Speedup{}
	var images []string
	for _, s := range r.speedups() {
		cur, ok := best[s.Image]
		if !ok {
			images = append(images, s.Image)
		}
		switch {
		case !ok:
			best[s.Image] = s
		case (s.Variant == "stock") != (cur.Variant == "stock"):
			if s.Variant == "stock" {
				best[s.Image] = s
			}
		case compareVersions(s.Version, cur.Version) > 0:
			best[s.Image] = s
		}
	}
	var parts []string
	for _, im := range images {
		s := best[im]
		parts = append(parts, fmt.Sprintf("%s %.0fx (%s ns against %s ns with %s, %s)",
			im, math.Round(s.Ratio), formatNs(s.BaseNs), formatNs(s.Ns), goRelease(s.Version, s.Toolchain), s.Variant))
	}
	if len(parts) == 0 {
		return ""
	}
	return "Callback from a C thread, Go 1.19 against the newest toolchain (median ns per call): " + strings.Join(parts, "; ") + "."
}

// compareVersions orders `go version` strings by release number; an
// unparsable version sorts first.
func compareVersions(a, b string) int {
	pa, pb := releaseNumbers(a), releaseNumbers(b)
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

func releaseNumbers(version string) []int {
	var out []int
	for _, part := range strings.Split(goRelease(version, ""), ".") {
		n := 0
		if _, err := fmt.Sscanf(part, "%d", &n); err != nil {
			break
		}
		out = append(out, n)
	}
	return out
}

// lockedHeadline returns headline, taking r.mu.
func (r *Report) lockedHeadline() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.headline()
}

// writeCallbackCost writes the callback-cost section of the Markdown
// report: the table of medians, the Go 1.19 ratios and the charts. The
// caller holds r.mu.
func (r *Report) writeCallbackCost(w func(string, ...any), rows []string) {
	w("\n## Callback cost\n\n")
	w("Nanoseconds per call from C into an empty Go function (callbackcost): the median of the repetitions, "+
		"± the largest distance of one repetition from it. main and pthread: a call from the main thread and "+
		"from a pthread that keeps its M. first call: the first call of a new pthread (M acquisition and binding). "+
		"thread exit: from the return of a thread's start function to the return of pthread_join, for a thread that "+
		"called Go (its M is released) and one that did not (C only); M release is the difference of the medians. "+
		"Every line is in [%s](%s) for benchstat. An arch marked emulated ran under qemu-user: compare those cells only "+
		"with each other, never with native ones.\n\n", BenchFile, BenchFile)
	w("| cell | arch | go version | reps | main | pthread | first call | thread exit | thread exit, C only | M release |\n")
	w("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, row := range rows {
		w("%s\n", row)
	}
	if sp := r.speedups(); len(sp) > 0 {
		w("\n### Go 1.19 against newer toolchains\n\n")
		w("The median cost of a callback from a pthread with Go 1.19, divided by that of the toolchain on the same image and variant.\n\n")
		w("| image | variant | toolchain | go version | Go 1.19 ns/call | ns/call | ratio |\n|---|---|---|---|---|---|---|\n")
		for _, s := range sp {
			w("| %s | %s | %s | %s | %s | %s | %.1fx |\n", s.Image, s.Variant, s.Toolchain, s.Version, formatNs(s.BaseNs), formatNs(s.Ns), s.Ratio)
		}
	}
	if charts := r.costCharts(); len(charts) > 0 {
		w("\nCharts:")
		for _, ch := range charts {
			w(" [%s](%s)", ch.Title, ch.File)
		}
		w("\n")
	}
}

// pthreadCost returns the median callback cost from a pthread of a
// cell, for the matrix, or "-" for a cell without that benchmark.
func pthreadCost(c *Cell) string {
	st, ok := benchStat(c, judge.BenchPthread)
	if !ok {
		return "-"
	}
	return formatNs(st.Median)
}
