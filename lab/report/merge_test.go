package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cgohostlab/cgohostlab/lab/judge"
)

func writeReport(t *testing.T, r *Report) string {
	t.Helper()
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func cellWith(name string, v judge.Verdict) *Cell {
	c := &Cell{Name: name, Expected: "pass"}
	c.Verdict = v
	return c
}

var selection = []string{"glibc/host/stock/churn", "glibc/host/stock/startup", "musl/host/noargv/churn", "musl/host/noargv/startup"}

func shardReport(shard string, planned []string, cells ...*Cell) *Report {
	return &Report{
		Started: time.Unix(1000, 0), Filter: "toolchains=host", Shard: shard,
		Selection: selection, Planned: planned, Cells: cells,
		KnownIssues: []KnownIssue{{ID: "go13492", Link: "https://github.com/golang/go/issues/13492", Title: "musl"}},
	}
}

func TestMergeJoinsShards(t *testing.T) {
	a := writeReport(t, shardReport("1/2", selection[:2],
		cellWith(selection[0], judge.Pass), cellWith(selection[1], judge.Pass)))
	b := writeReport(t, shardReport("2/2", selection[2:],
		cellWith(selection[2], judge.Fail), cellWith(selection[3], judge.Pass)))
	m, err := Merge([]string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range m.Cells {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, selection) {
		t.Errorf("merged cells = %v, want %v", names, selection)
	}
	if len(m.Missing) != 0 || len(m.Unfinished) != 0 {
		t.Errorf("missing %v, unfinished %v; want none", m.Missing, m.Unfinished)
	}
	if n := m.Counts(); n[judge.Pass] != 3 || n[judge.Fail] != 1 {
		t.Errorf("counts = %v, want 3 pass and 1 fail", n)
	}
	if len(m.KnownIssues) != 1 || m.KnownIssues[0].State != "not applicable" {
		t.Errorf("known issues = %+v, want go13492 not applicable", m.KnownIssues)
	}
	if !strings.Contains(m.Markdown(), "Merged from 2 shard reports") {
		t.Error("the Markdown does not say that the report is merged")
	}
}

func TestMergeFlagsMissingAndUnfinishedCells(t *testing.T) {
	// Shard 2/3 never reported, and shard 3/3 was interrupted after one
	// of its two cells.
	a := writeReport(t, shardReport("1/3", selection[:1], cellWith(selection[0], judge.Pass)))
	c := writeReport(t, shardReport("3/3", selection[2:], cellWith(selection[2], judge.Pass)))
	m, err := Merge([]string{a, c})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Missing, selection[1:2]) {
		t.Errorf("missing = %v, want %v", m.Missing, selection[1:2])
	}
	if !slices.Equal(m.Unfinished, selection[3:]) {
		t.Errorf("unfinished = %v, want %v", m.Unfinished, selection[3:])
	}
	md := m.Markdown()
	for _, want := range []string{"missing from every shard report", "did not finish", selection[1], selection[3]} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q", want)
		}
	}
}

func TestMergeRejectsReportsOfOtherRuns(t *testing.T) {
	a := writeReport(t, shardReport("1/2", selection[:2], cellWith(selection[0], judge.Pass)))
	other := shardReport("2/2", selection[2:], cellWith(selection[2], judge.Pass))
	other.Filter = "toolchains=go1.22"
	b := writeReport(t, other)
	dup := writeReport(t, shardReport("2/2", selection[2:], cellWith(selection[0], judge.Pass)))
	same := writeReport(t, shardReport("1/2", selection[:2], cellWith(selection[1], judge.Pass)))
	notJSON := filepath.Join(t.TempDir(), "report.json")
	os.WriteFile(notJSON, []byte("BenchmarkX 1 2 ns/op\n"), 0o644)

	for _, tc := range []struct {
		name  string
		paths []string
		want  string
	}{
		{"other filter", []string{a, b}, "different matrices"},
		{"same cell twice", []string{a, dup}, "is in both"},
		{"same shard twice", []string{a, same}, "are both shard 1/2"},
		{"not a report", []string{a, notJSON}, "is not a cgohostlab report.json"},
		{"nothing", nil, "at least one"},
		{"same file twice", []string{a, a}, "is given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Merge(tc.paths)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Merge error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	r1 := &Report{Cells: []*Cell{cellWith("a", judge.Pass), cellWith("b", judge.Pass)}}
	r2 := &Report{Cells: []*Cell{cellWith("a", judge.Pass), cellWith("b", judge.Fail), cellWith("c", judge.Pass)}}
	diffs := Compare([]*Report{r1, r2})
	got := make([]string, len(diffs))
	for i, d := range diffs {
		got[i] = d.String()
	}
	want := []string{"b: pass | fail", "c: absent | pass"}
	if !slices.Equal(got, want) {
		t.Errorf("Compare = %q, want %q", got, want)
	}
	if d := Compare([]*Report{r1, r1}); len(d) != 0 {
		t.Errorf("a report compared with itself differs: %v", d)
	}
}
