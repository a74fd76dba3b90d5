package report

import (
	"strings"
	"testing"

	"github.com/cgohostlab/cgohostlab/lab/judge"
)

func u64(v uint64) *uint64 { return &v }

func TestBoundsTable(t *testing.T) {
	call := func(kind string, depth, sp, lo, hi, trueLo, trueHi uint64) judge.Record {
		return judge.Record{Rec: "call", Kind: kind, Depth: depth, SP: sp, G0Lo: u64(lo), G0Hi: u64(hi), TrueLo: trueLo, TrueHi: trueHi, Accurate: u64(1)}
	}
	bounds := []judge.Record{
		call("main", 0, 0x7f000, 0x10000, 0x80000, 0x10000, 0x80000),
		call("main", 400*1024, 0x1f000, 0x10000, 0x80000, 0x10000, 0x80000),
		call("pthread-256k", 0, 0x7f000, 0x40000, 0x80000, 0x40000, 0x80000),
		call("pthread-256k", 40*1024, 0x75000, 0x3f000, 0x80000, 0x40000, 0x80000),
	}
	records := append(bounds, judge.Record{Rec: "skip", Kind: "pthread-256k", Depth: 400 * 1024})
	r := &Report{Cells: []*Cell{
		{Image: "darwinlike", Toolchain: "host", Variant: "stock", Scenario: "bounds",
			Result: judge.Result{Verdict: judge.Fail, Bounds: judge.SummarizeBounds(bounds)}, Records: records, Exit: &judge.Exit{}},
		{Image: "darwinlike", Toolchain: "host", Variant: "stock", Scenario: "bounds-unlimited",
			Result: judge.Result{Verdict: judge.Fail}, Exit: &judge.Exit{Code: 2},
			Stderr: "runtime: morestack on g0, stack [0x1 0x2]\nfatal error: morestack on g0\n"},
		{Image: "darwinlike", Toolchain: "host", Variant: "stock", Scenario: "deepstack", Result: judge.Result{Verdict: judge.Pass}},
		{Image: "glibc", Toolchain: "host", Variant: "stock", Scenario: "churn", Result: judge.Result{Verdict: judge.Pass}},
	}}
	table := r.boundsTable()
	t.Logf("\n%s", table)

	for _, want := range []string{
		"| darwinlike/host/stock | exact | - | **unsafe by 4 KiB** to 40 KiB | - | - | - | - | - | fail | - | fail | pass | bounds-unlimited: `runtime: morestack on g0, stack [0x1 0x2]` |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("expected the row\n%s\ngot:\n%s", want, table)
		}
	}
	if strings.Contains(table, "glibc/host/stock") {
		t.Errorf("expected no row for a group without bounds cells, got:\n%s", table)
	}
}

func TestBoundsTableEmpty(t *testing.T) {
	r := &Report{Cells: []*Cell{{Image: "glibc", Toolchain: "host", Variant: "stock", Scenario: "churn"}}}
	if got := r.boundsTable(); got != "" {
		t.Errorf("expected no table without bounds cells, got:\n%s", got)
	}
}

func TestBoundsEntryCut(t *testing.T) {
	kb := judge.KindBounds{Kind: "main", Class: judge.Conservative}
	for _, tc := range []struct {
		deepest uint64
		cut     bool
		want    string
	}{
		{0, true, "conservative, entry frame only"},
		{40 * 1024, true, "conservative to 40 KiB"},
		{40 * 1024, false, "conservative"},
		{boundsDeepest, true, "conservative"},
	} {
		if got := boundsEntry(kb, tc.deepest, tc.cut); got != tc.want {
			t.Errorf("boundsEntry(deepest %d, cut %v) = %q, want %q", tc.deepest, tc.cut, got, tc.want)
		}
	}
}

func TestFatalTextHidesAddresses(t *testing.T) {
	got := fatalText("fatal error: cgocallback with sp=0x7ffd1c2e3f40 out of bounds [0x7ffd1c2e0000, 0x7ffd1c2f0000]\n", &judge.Exit{})
	want := "`fatal error: cgocallback with sp=0x… out of bounds [0x…, 0x…]`"
	if got != want {
		t.Errorf("fatalText = %q, want %q", got, want)
	}
}
