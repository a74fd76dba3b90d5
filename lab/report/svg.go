package report

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/cgohostlab/cgohostlab/lab/judge"
)

// chartFile is one SVG chart of the report directory.
type chartFile struct {
	Title string
	File  string
	SVG   string
}

// barChart is a horizontal bar chart on a logarithmic axis: one group of
// bars per row, one bar per series.
type barChart struct {
	Title  string
	Axis   string // axis label, with its unit
	Legend []legendItem
	Rows   []barRow
	// Ticks are the values of the axis grid lines, Format their labels.
	Ticks  []float64
	Format func(float64) string
}

type legendItem struct{ Name, Color string }

type barRow struct {
	Label string
	Bars  []bar
}

// bar is one value. Lo and Hi, when Hi > 0, draw a whisker (the range of
// the repetitions). Note is written after the bar.
type bar struct {
	Value  float64
	Lo, Hi float64
	Color  string
	Note   string
}

// Layout of a chart, in SVG user units (pixels).
const (
	chartWidth   = 960
	labelWidth   = 300
	plotRight    = 880
	barHeight    = 11
	rowGap       = 8
	chartTop     = 60
	axisHeight   = 40
	legendHeight = 24
)

// SVG renders the chart as a standalone SVG document.
func (ch barChart) SVG() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	lo, hi := ch.Ticks[0], ch.Ticks[len(ch.Ticks)-1]
	x := func(v float64) float64 {
		v = math.Min(math.Max(v, lo), hi)
		return labelWidth + (plotRight-labelWidth)*(math.Log(v)-math.Log(lo))/(math.Log(hi)-math.Log(lo))
	}
	height := chartTop
	for _, r := range ch.Rows {
		height += len(r.Bars)*barHeight + rowGap
	}
	plotBottom := height
	height += axisHeight + legendHeight

	w(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		chartWidth, height, chartWidth, height)
	w(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	w(`<text x="10" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", esc(ch.Title))
	w(`<text x="10" y="42" fill="#444">%s (logarithmic)</text>`+"\n", esc(ch.Axis))

	for _, t := range ch.Ticks {
		w(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x(t), chartTop-6, x(t), plotBottom)
		w(`<text x="%.1f" y="%d" text-anchor="middle" fill="#444">%s</text>`+"\n", x(t), plotBottom+16, esc(ch.Format(t)))
	}

	y := chartTop
	for i, r := range ch.Rows {
		groupHeight := len(r.Bars) * barHeight
		if i%2 == 1 {
			w(`<rect x="0" y="%d" width="%d" height="%d" fill="#f6f6f6"/>`+"\n", y-rowGap/2, plotRight, groupHeight+rowGap)
		}
		w(`<text x="%d" y="%d" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n",
			labelWidth-8, y+groupHeight/2, esc(r.Label))
		for j, br := range r.Bars {
			by := y + j*barHeight
			if br.Value > 0 {
				w(`<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`+"\n",
					labelWidth, by+1, x(br.Value)-labelWidth, barHeight-2, br.Color, esc(r.Label+": "+ch.Format(br.Value)+" "+br.Note))
			}
			if br.Hi > 0 {
				mid := float64(by) + barHeight/2
				w(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x(br.Lo), mid, x(br.Hi), mid)
			}
			if br.Note != "" {
				w(`<text x="%.1f" y="%d" dominant-baseline="middle" font-size="9" fill="#333">%s</text>`+"\n",
					x(math.Max(br.Value, br.Hi))+4, by+barHeight/2, esc(br.Note))
			}
		}
		y += groupHeight + rowGap
	}
	w(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`+"\n", labelWidth, chartTop-6, labelWidth, plotBottom)

	lx := labelWidth
	ly := plotBottom + axisHeight
	for _, item := range ch.Legend {
		w(`<rect x="%d" y="%d" width="12" height="12" fill="%s"/>`+"\n", lx, ly-10, item.Color)
		w(`<text x="%d" y="%d">%s</text>`+"\n", lx+16, ly, esc(item.Name))
		lx += 24 + 7*len(item.Name)
	}
	w("</svg>\n")
	return b.String()
}

var svgEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func esc(s string) string { return svgEscaper.Replace(s) }

// decadeTicks returns powers of 10 that cover [lo, hi].
func decadeTicks(lo, hi float64) []float64 {
	first := math.Pow(10, math.Floor(math.Log10(lo)))
	var ticks []float64
	for t := first; ; t *= 10 {
		ticks = append(ticks, t)
		if t >= hi {
			return ticks
		}
	}
}

// binaryTicks returns powers of 4 that cover [lo, hi].
func binaryTicks(lo, hi float64) []float64 {
	first := math.Pow(4, math.Floor(math.Log(lo)/math.Log(4)))
	var ticks []float64
	for t := first; ; t *= 4 {
		ticks = append(ticks, t)
		if t >= hi {
			return ticks
		}
	}
}

var unsafeFileChars = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// costSeries are the bench kinds the callback-cost charts draw.
var costSeries = []legendItem{
	{judge.BenchMain, "#4e79a7"},
	{judge.BenchPthread, "#f28e2b"},
	{judge.BenchFirstCall, "#59a14f"},
	{judge.BenchThreadExit, "#b07aa1"},
}

// costCharts returns one chart per image: the median callback cost of
// each toolchain and variant, with the range of the repetitions. The
// caller holds r.mu.
func (r *Report) costCharts() []chartFile {
	var images []string
	rows := map[string][]barRow{}
	lo, hi := math.Inf(1), 0.0
	for _, c := range r.Cells {
		if len(c.Benches) == 0 {
			continue
		}
		row := barRow{Label: c.Toolchain + " (" + goRelease(r.version(c), c.Toolchain) + ") " + c.Variant}
		for _, s := range costSeries {
			st, ok := benchStat(c, s.Name)
			if !ok || st.Median <= 0 {
				row.Bars = append(row.Bars, bar{})
				continue
			}
			minS, maxS := st.Samples[0], st.Samples[0]
			for _, v := range st.Samples {
				minS, maxS = math.Min(minS, v), math.Max(maxS, v)
			}
			lo, hi = math.Min(lo, math.Max(minS, 1)), math.Max(hi, maxS)
			row.Bars = append(row.Bars, bar{Value: st.Median, Lo: minS, Hi: maxS, Color: s.Color, Note: formatNs(st.Median)})
		}
		if rows[c.Image] == nil {
			images = append(images, c.Image)
		}
		rows[c.Image] = append(rows[c.Image], row)
	}
	var out []chartFile
	for _, im := range images {
		ch := barChart{
			Title:  "Callback cost by toolchain: " + im,
			Axis:   "median ns per call, whiskers: range of the repetitions",
			Legend: costLegend(),
			Rows:   rows[im],
			Ticks:  decadeTicks(lo, hi),
			Format: durationTick,
		}
		out = append(out, chartFile{Title: "callback cost, " + im, File: "callback-" + unsafeFileChars.ReplaceAllString(im, "_") + ".svg", SVG: ch.SVG()})
	}
	return out
}

// durationTick labels a tick of nanoseconds: "100 ns", "10 µs", "1 ms".
func durationTick(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%g ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%g µs", ns/1e3)
	default:
		return fmt.Sprintf("%g ns", ns)
	}
}

func costLegend() []legendItem {
	names := map[string]string{
		judge.BenchMain:       "main thread",
		judge.BenchPthread:    "pthread",
		judge.BenchFirstCall:  "first call of a new pthread",
		judge.BenchThreadExit: "thread exit after a call",
	}
	var out []legendItem
	for _, s := range costSeries {
		out = append(out, legendItem{names[s.Name], s.Color})
	}
	return out
}

// classColors colors the g0 bounds by their class.
var classColors = []struct {
	Class judge.BoundsClass
	Color string
}{
	{judge.Exact, "#59a14f"},
	{judge.Conservative, "#76b7b2"},
	{judge.Estimate, "#edc948"},
	{judge.Unsafe, "#e15759"},
}

const trueStackColor = "#bab0ac"

// boundsCharts returns one chart per thread kind: for each cell, the
// size of the true stack and of the g0 bounds of the worst call, colored
// by class. The caller holds r.mu.
func (r *Report) boundsCharts() []chartFile {
	var kinds []string
	rows := map[string][]barRow{}
	lo, hi := math.Inf(1), 0.0
	for _, c := range r.Cells {
		for _, kb := range c.Bounds {
			if kb.TrueSize == 0 && kb.Size == 0 {
				continue
			}
			color := trueStackColor
			for _, cc := range classColors {
				if cc.Class == kb.Class {
					color = cc.Color
				}
			}
			note := string(kb.Class)
			if kb.Class == judge.Unsafe {
				note = fmt.Sprintf("unsafe by %s", size(kb.UnsafeBy))
			}
			row := barRow{Label: c.Name, Bars: []bar{
				{Value: float64(kb.TrueSize), Color: trueStackColor, Note: size(kb.TrueSize) + " (" + kb.Truth + ")"},
				{Value: float64(kb.Size), Color: color, Note: size(kb.Size) + " " + note},
			}}
			for _, v := range []uint64{kb.TrueSize, kb.Size} {
				if v > 0 {
					lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
				}
			}
			if rows[kb.Kind] == nil {
				kinds = append(kinds, kb.Kind)
			}
			rows[kb.Kind] = append(rows[kb.Kind], row)
		}
	}
	legend := []legendItem{{"true stack", trueStackColor}}
	for _, cc := range classColors {
		legend = append(legend, legendItem{"g0 " + string(cc.Class), cc.Color})
	}
	var out []chartFile
	for _, k := range kinds {
		ch := barChart{
			Title:  "Probe bounds against true bounds: thread kind " + k,
			Axis:   "stack size in bytes: the true stack, then the g0 bounds of the worst call of each cell, colored by class",
			Legend: legend,
			Rows:   rows[k],
			Ticks:  binaryTicks(lo, hi),
			Format: func(v float64) string { return size(uint64(v)) },
		}
		out = append(out, chartFile{Title: k, File: "bounds-" + unsafeFileChars.ReplaceAllString(k, "_") + ".svg", SVG: ch.SVG()})
	}
	return out
}
