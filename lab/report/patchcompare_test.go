package report

import (
	"math"
	"strings"
	"testing"

	"github.com/cgohostlab/cgohostlab/lab/judge"
)

func bench(kind string, ns ...float64) []judge.Record {
	var recs []judge.Record
	for _, v := range ns {
		recs = append(recs, judge.Record{Rec: "bench", Kind: kind, NsPerCall: v})
	}
	return recs
}

func cellOf(image, toolchain, variant, scenario string, v judge.Verdict) *Cell {
	c := &Cell{Name: image + "/" + toolchain + "/" + variant + "/" + scenario,
		Image: image, Toolchain: toolchain, Variant: variant, Scenario: scenario}
	c.Verdict = v
	if i := strings.Index(variant, "+patch="); i >= 0 {
		c.Patch = variant[i+len("+patch="):]
	}
	return c
}

func TestCompareVerdictAndBounds(t *testing.T) {
	stock := cellOf("musl", "go1.22", "stock", "deepstack", judge.KnownIssue)
	stock.Bounds = []judge.KindBounds{{Kind: "main", Class: judge.Exact}}
	patched := cellOf("musl", "go1.22", "stock+patch=p", "deepstack", judge.Pass)
	patched.Bounds = []judge.KindBounds{{Kind: "main", Class: judge.Exact}, {Kind: "pthread", Class: judge.Estimate}}
	orphan := cellOf("glibc", "go1.19", "stock+patch=p", "deepstack", judge.PatchNotApplied)

	got := compare([]*Cell{stock, patched, orphan})
	if len(got) != 2 {
		t.Fatalf("expected 2 comparisons (one per patched cell), got %d: %+v", len(got), got)
	}
	c := got[0]
	if c.Baseline != stock.Name {
		t.Errorf("expected baseline %s, got %s", stock.Name, c.Baseline)
	}
	if !c.VerdictChanged() || c.VerdictBefore != judge.KnownIssue || c.VerdictAfter != judge.Pass {
		t.Errorf("expected known issue reproduced → pass, got %s → %s", c.VerdictBefore, c.VerdictAfter)
	}
	if len(c.Bounds) != 1 || c.Bounds[0] != (BoundsChange{Kind: "pthread", Before: "", After: judge.Estimate}) {
		t.Errorf("expected only pthread to change, from no call to estimate, got %+v", c.Bounds)
	}
	if !got[1].Missing || got[1].VerdictChanged() {
		t.Errorf("expected the cell without an unpatched twin marked missing and unchanged, got %+v", got[1])
	}
}

func TestCompareKnownIssueChange(t *testing.T) {
	stock := cellOf("musl", "go1.22", "stock", "deepstack", judge.KnownIssue)
	stock.KnownIssue = "go13492"
	patched := cellOf("musl", "go1.22", "stock+patch=p", "deepstack", judge.KnownIssue)
	patched.KnownIssue = "go68285"

	got := compare([]*Cell{stock, patched})
	if len(got) != 1 || !got[0].VerdictChanged() {
		t.Fatalf("expected one changed comparison, got %+v", got)
	}
	r := &Report{Patch: &Patch{Name: "p"}, Comparisons: got}
	md := r.Markdown()
	want := "**known issue reproduced (go13492) → known issue reproduced (go68285)**"
	if !strings.Contains(md, want) {
		t.Errorf("report.md lacks %q", want)
	}
}

func TestCostChangeMedianAndSpread(t *testing.T) {
	c := costChange("main", []float64{100, 90, 110, 105, 95}, []float64{1000, 900, 1100, 950, 1050})
	if c.Before != 100 || c.After != 1000 {
		t.Errorf("expected medians 100 and 1000, got %v and %v", c.Before, c.After)
	}
	if math.Abs(c.Ratio-10) > 1e-9 {
		t.Errorf("expected ratio 10, got %v", c.Ratio)
	}
	if math.Abs(c.Low-900.0/110) > 1e-9 || math.Abs(c.High-1100.0/90) > 1e-9 {
		t.Errorf("expected spread 900/110 to 1100/90, got %v to %v", c.Low, c.High)
	}
	if !c.Changed() {
		t.Errorf("expected a tenfold cost counted as changed")
	}
	if !strings.Contains(c.String(), "over 5 and 5 runs") {
		t.Errorf("expected the runs in the text, got %q", c.String())
	}
}

func TestCostChangeWithinSpread(t *testing.T) {
	// The medians differ by 2.5 times, but one pair of repetitions is
	// slower before than after.
	c := costChange("pthread", []float64{100, 100, 600}, []float64{250, 250, 90})
	if c.Changed() {
		t.Errorf("expected a change inside the repetitions' spread not counted, got %+v", c)
	}
	one := costChange("pthread", []float64{100}, []float64{150})
	if one.Changed() {
		t.Errorf("expected ×1.5 not counted as changed, got %+v", one)
	}
}

func TestToolchainSeriesSteps(t *testing.T) {
	mk := func(tc string, v judge.Verdict, ns float64) *Cell {
		c := cellOf("glibc", tc, "stock", "callbackcost", v)
		c.Records = bench("pthread", ns)
		return c
	}
	cells := []*Cell{
		// Out of order on purpose: the series follows the matrix's list.
		mk("host", judge.Pass, 100),
		mk("go1.19", judge.KnownIssue, 2400),
		mk("go1.22", judge.KnownIssue, 110),
		mk("go1.23", judge.Pass, 105),
		cellOf("glibc", "host", "stock", "startup", judge.Pass),
	}
	got := toolchainSeries(cells)
	if len(got) != 1 {
		t.Fatalf("expected one series (startup ran on one toolchain), got %+v", got)
	}
	s := got[0]
	if strings.Join(s.Toolchains, ",") != "go1.19,go1.22,go1.23,host" {
		t.Errorf("expected the toolchains in the matrix's order, got %v", s.Toolchains)
	}
	if len(s.Steps) != 2 {
		t.Fatalf("expected 2 steps, got %+v", s.Steps)
	}
	if st := s.Steps[0]; st.From != "go1.19" || st.To != "go1.22" || st.VerdictFrom != "" || len(st.Costs) != 1 {
		t.Errorf("expected a cost change alone from go1.19 to go1.22, got %+v", st)
	}
	if st := s.Steps[1]; st.From != "go1.22" || st.To != "go1.23" || st.VerdictFrom != judge.KnownIssue || st.VerdictTo != judge.Pass {
		t.Errorf("expected a verdict change from go1.22 to go1.23, got %+v", st)
	}
}

func TestBoundsChangeSignificant(t *testing.T) {
	tests := []struct {
		before, after judge.BoundsClass
		want          bool
	}{
		{judge.Exact, judge.Conservative, false},
		{judge.Conservative, judge.Exact, false},
		{judge.Exact, judge.Estimate, true},
		{judge.Conservative, judge.Unsafe, true},
		{"", judge.Exact, true},
	}
	for _, tt := range tests {
		if got := (BoundsChange{Kind: "main", Before: tt.before, After: tt.after}).Significant(); got != tt.want {
			t.Errorf("%q → %q: expected significant=%v, got %v", tt.before, tt.after, tt.want, got)
		}
	}
}
