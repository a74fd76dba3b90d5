package judge

import (
	"math"
	"slices"
)

// Bench kinds that the callbackcost host writes.
const (
	BenchMain        = "main"         // call from the main thread
	BenchPthread     = "pthread"      // call from a pthread that keeps its M
	BenchFirstCall   = "firstcall"    // first call of a new pthread
	BenchThreadExit  = "threadexit"   // exit of a pthread that called Go
	BenchThreadExitC = "threadexit-c" // exit of a pthread that did not
)

// BenchKinds lists the bench kinds in report order.
var BenchKinds = []string{BenchMain, BenchPthread, BenchFirstCall, BenchThreadExit, BenchThreadExitC}

// BenchStat summarizes the repetitions of one bench kind.
type BenchStat struct {
	Kind    string    `json:"kind"`
	Samples []float64 `json:"samples"` // ns per call of each repetition, in order
	Median  float64   `json:"median"`
	// Spread is the largest distance of a sample from the median, as a
	// fraction of the median (0.05 is ±5%).
	Spread float64 `json:"spread"`
}

// SummarizeBenches returns one BenchStat per kind present in benches,
// in BenchKinds order followed by unknown kinds in the order they appear.
func SummarizeBenches(benches []Record) []BenchStat {
	samples := map[string][]float64{}
	var order []string
	for _, b := range benches {
		if _, ok := samples[b.Kind]; !ok && !slices.Contains(BenchKinds, b.Kind) {
			order = append(order, b.Kind)
		}
		samples[b.Kind] = append(samples[b.Kind], b.NsPerCall)
	}
	order = append(slices.Clone(BenchKinds), order...)
	var out []BenchStat
	for _, k := range order {
		if s, ok := samples[k]; ok {
			out = append(out, newBenchStat(k, s))
		}
	}
	return out
}

func newBenchStat(kind string, samples []float64) BenchStat {
	st := BenchStat{Kind: kind, Samples: samples, Median: Median(samples)}
	if st.Median > 0 {
		for _, s := range samples {
			st.Spread = math.Max(st.Spread, math.Abs(s-st.Median)/st.Median)
		}
	}
	return st
}

// Median returns the median of xs, or 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchMedian returns the median ns per call of kind in benches, and
// false when no record of that kind exists.
func BenchMedian(benches []Record, kind string) (float64, bool) {
	var xs []float64
	for _, b := range benches {
		if b.Kind == kind {
			xs = append(xs, b.NsPerCall)
		}
	}
	return Median(xs), len(xs) > 0
}
