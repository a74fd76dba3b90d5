package judge

import (
	"math"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{5}, 5},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := Median(tc.xs); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
}

func TestSummarizeBenchesOrderAndSpread(t *testing.T) {
	recs := []Record{
		{Rec: "bench", Kind: BenchPthread, NsPerCall: 100},
		{Rec: "bench", Kind: "custom", NsPerCall: 7},
		{Rec: "bench", Kind: BenchMain, NsPerCall: 90},
		{Rec: "bench", Kind: BenchPthread, NsPerCall: 110},
		{Rec: "bench", Kind: BenchPthread, NsPerCall: 95},
	}
	got := SummarizeBenches(recs)
	var kinds []string
	for _, st := range got {
		kinds = append(kinds, st.Kind)
	}
	if len(kinds) != 3 || kinds[0] != BenchMain || kinds[1] != BenchPthread || kinds[2] != "custom" {
		t.Fatalf("expected kinds main, pthread, custom, got %v", kinds)
	}
	if got[1].Median != 100 {
		t.Errorf("expected pthread median 100, got %v", got[1].Median)
	}
	if math.Abs(got[1].Spread-0.10) > 1e-9 {
		t.Errorf("expected pthread spread 0.10 (110 is 10%% above 100), got %v", got[1].Spread)
	}
}

func TestCheckMainCostUsesMedian(t *testing.T) {
	out := &Output{Benches: []Record{
		{Kind: BenchMain, NsPerCall: 100},
		{Kind: BenchMain, NsPerCall: 90000}, // one disturbed repetition
		{Kind: BenchMain, NsPerCall: 110},
		{Kind: BenchPthread, NsPerCall: 100},
		{Kind: BenchPthread, NsPerCall: 105},
		{Kind: BenchPthread, NsPerCall: 95},
	}}
	if c := CheckMainCost(out); !c.Passed {
		t.Errorf("expected one slow main-thread repetition of three to pass on the median, got: %s", c.Detail)
	}
}
