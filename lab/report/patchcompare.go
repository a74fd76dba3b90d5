package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cgohostlab/cgohostlab/lab/judge"
	"github.com/cgohostlab/cgohostlab/lab/matrix"
)

// Patch is the patch of a patch trial.
type Patch struct {
	Name  string   `json:"name"`
	Files []string `json:"files"`
}

// Comparison is a patched cell beside its unpatched twin: the cell of the
// same image, toolchain, variant and scenario without the patch.
type Comparison struct {
	Cell     string `json:"cell"`
	Baseline string `json:"baseline"`
	// Missing is set when the run has no baseline cell.
	Missing       bool          `json:"missing,omitempty"`
	VerdictBefore judge.Verdict `json:"verdict_before,omitempty"`
	VerdictAfter  judge.Verdict `json:"verdict_after"`
	// IssueBefore and IssueAfter are the known issues that the cells
	// reproduced, if any: a patch may turn one known issue into another.
	IssueBefore string `json:"issue_before,omitempty"`
	IssueAfter  string `json:"issue_after,omitempty"`
	// Bounds lists the thread kinds whose bounds class changed.
	Bounds []BoundsChange `json:"bounds_changes,omitempty"`
	// Costs compares callback costs per thread kind.
	Costs []CostChange `json:"cost_changes,omitempty"`
}

// VerdictChanged reports whether the patch changed the cell's verdict or
// the known issue it reproduced.
func (c Comparison) VerdictChanged() bool {
	return !c.Missing && (c.VerdictBefore != c.VerdictAfter || c.IssueBefore != c.IssueAfter)
}

// verdictText returns a verdict with the known issue it names, if any.
func verdictText(v judge.Verdict, issue string) string {
	if issue == "" {
		return string(v)
	}
	return fmt.Sprintf("%s (%s)", v, issue)
}

// BoundsChange is a thread kind whose worst bounds class differs between
// two cells; an empty class means the kind made no call in that cell.
type BoundsChange struct {
	Kind   string            `json:"kind"`
	Before judge.BoundsClass `json:"before"`
	After  judge.BoundsClass `json:"after"`
}

// Significant reports whether the change is more than a move between
// exact and conservative. Both are accurate bounds inside the true stack,
// and on glibc the main thread moves between them from run to run of the
// same unpatched cell.
func (b BoundsChange) Significant() bool {
	accurate := func(c judge.BoundsClass) bool { return c == judge.Exact || c == judge.Conservative }
	return !accurate(b.Before) || !accurate(b.After)
}

// CostChange is the callback cost of one thread kind in two cells, from
// the bench records of each (one per repetition).
type CostChange struct {
	Kind string `json:"kind"`
	// Ratio is the median ns/call after divided by the median before.
	Ratio float64 `json:"ratio"`
	// Low and High bound the ratio of any two repetitions: the fastest
	// after over the slowest before, and the slowest after over the
	// fastest before. They equal Ratio when each cell has one record.
	Low        float64 `json:"low"`
	High       float64 `json:"high"`
	Before     float64 `json:"median_before_ns"`
	After      float64 `json:"median_after_ns"`
	RunsBefore int     `json:"runs_before"`
	RunsAfter  int     `json:"runs_after"`
}

// costChangeFactor is how far apart two median costs must be, with every
// pair of repetitions on the same side of 1, before the report calls the
// cost changed. It is a judgement, not a measured threshold. The effects
// the lab looks for differ by 10 times or more (Go 1.19 against later
// toolchains, the main-thread refresh of Go 1.22).
// NOTE: with one bench record per thread kind the spread check filters
// nothing, and the record of one unpatched cell varied by 10 times between
// two runs on a loaded 2-core machine.
const costChangeFactor = 2.0

// Changed reports whether the cost moved by costChangeFactor or more
// beyond the spread of its repetitions.
func (c CostChange) Changed() bool {
	return (c.Ratio >= costChangeFactor && c.Low > 1) || (c.Ratio <= 1/costChangeFactor && c.High < 1)
}

func (c CostChange) String() string {
	s := fmt.Sprintf("%s ×%.3g (%.0f → %.0f ns", c.Kind, c.Ratio, c.Before, c.After)
	if c.RunsBefore > 1 || c.RunsAfter > 1 {
		s += fmt.Sprintf(", spread ×%.3g–×%.3g over %d and %d runs", c.Low, c.High, c.RunsBefore, c.RunsAfter)
	}
	return s + ")"
}

// compare returns a comparison for every patched cell.
func compare(cells []*Cell) []Comparison {
	byName := map[string]*Cell{}
	for _, c := range cells {
		byName[c.Name] = c
	}
	var out []Comparison
	for _, c := range cells {
		if c.Patch == "" {
			continue
		}
		base, _ := matrix.SplitPatch(c.Variant)
		baseName := c.Image + "/" + c.Toolchain + "/" + base + "/" + c.Scenario
		cmp := Comparison{Cell: c.Name, Baseline: baseName, VerdictAfter: c.Verdict, IssueAfter: c.KnownIssue}
		before, ok := byName[baseName]
		if !ok {
			cmp.Missing = true
			out = append(out, cmp)
			continue
		}
		cmp.VerdictBefore, cmp.IssueBefore = before.Verdict, before.KnownIssue
		cmp.Bounds = boundsChanges(before.Bounds, c.Bounds)
		cmp.Costs = costChanges(before, c)
		out = append(out, cmp)
	}
	return out
}

func boundsChanges(before, after []judge.KindBounds) []BoundsChange {
	var kinds []string
	classes := func(kbs []judge.KindBounds) map[string]judge.BoundsClass {
		m := map[string]judge.BoundsClass{}
		for _, kb := range kbs {
			m[kb.Kind] = kb.Class
			if !slices.Contains(kinds, kb.Kind) {
				kinds = append(kinds, kb.Kind)
			}
		}
		return m
	}
	b, a := classes(before), classes(after)
	var out []BoundsChange
	for _, k := range kinds {
		if b[k] != a[k] {
			out = append(out, BoundsChange{Kind: k, Before: b[k], After: a[k]})
		}
	}
	return out
}

// benchTimes returns a cell's ns/call values per thread kind, one per
// bench record.
func benchTimes(c *Cell) map[string][]float64 {
	m := map[string][]float64{}
	for _, rec := range c.Records {
		if rec.Rec == "bench" && rec.NsPerCall > 0 {
			m[rec.Kind] = append(m[rec.Kind], rec.NsPerCall)
		}
	}
	return m
}

// costChanges compares the callback costs of the kinds that both cells
// measured.
func costChanges(before, after *Cell) []CostChange {
	b, a := benchTimes(before), benchTimes(after)
	var kinds []string
	for k := range a {
		if len(b[k]) > 0 {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	var out []CostChange
	for _, k := range kinds {
		out = append(out, costChange(k, b[k], a[k]))
	}
	return out
}

func costChange(kind string, before, after []float64) CostChange {
	mb, ma := median(before), median(after)
	return CostChange{
		Kind:       kind,
		Ratio:      ma / mb,
		Low:        slices.Min(after) / slices.Max(before),
		High:       slices.Max(after) / slices.Min(before),
		Before:     mb,
		After:      ma,
		RunsBefore: len(before),
		RunsAfter:  len(after),
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// comparisonMarkdown renders the patch comparison; the caller holds r.mu.
func (r *Report) comparisonMarkdown(w func(string, ...any)) {
	if r.Patch == nil {
		return
	}
	changed := 0
	for _, c := range r.Comparisons {
		if c.VerdictChanged() || slices.ContainsFunc(c.Bounds, BoundsChange.Significant) || slices.ContainsFunc(c.Costs, CostChange.Changed) {
			changed++
		}
	}
	w("\n## Patch comparison\n\nPatch `%s` (%s), applied to each toolchain's sources. "+
		"Each patched cell is compared with the same cell without the patch: verdict, bounds class per thread kind, "+
		"and callback cost as the ratio of median ns/call (patched over unpatched). "+
		"A cost counts as changed at ×%.0f or ×1/%.0f when every pair of repetitions lies on the same side of 1. "+
		"A move between exact and conservative is listed but not counted, because both are accurate bounds inside the stack "+
		"and the glibc main thread moves between them from run to run. "+
		"**%d of %d patched cells changed.**\n\n",
		r.Patch.Name, strings.Join(r.Patch.Files, ", "), costChangeFactor, costChangeFactor, changed, len(r.Comparisons))
	w("| patched cell | verdict | bounds | callback cost |\n|---|---|---|---|\n")
	for _, c := range r.Comparisons {
		if c.Missing {
			w("| %s | %s (no unpatched cell %s in this run) | - | - |\n", c.Cell, c.VerdictAfter, c.Baseline)
			continue
		}
		verdict := "unchanged: " + verdictText(c.VerdictAfter, c.IssueAfter)
		if c.VerdictChanged() {
			verdict = fmt.Sprintf("**%s → %s**", verdictText(c.VerdictBefore, c.IssueBefore), verdictText(c.VerdictAfter, c.IssueAfter))
		}
		bounds := "unchanged"
		if len(c.Bounds) > 0 {
			var parts []string
			for _, b := range c.Bounds {
				part := fmt.Sprintf("%s: %s → %s", b.Kind, orDash(string(b.Before)), orDash(string(b.After)))
				if b.Significant() {
					part = "**" + part + "**"
				}
				parts = append(parts, part)
			}
			bounds = strings.Join(parts, "; ")
		}
		cost := "-"
		if len(c.Costs) > 0 {
			var parts []string
			for _, cc := range c.Costs {
				if cc.Changed() {
					parts = append(parts, "**"+cc.String()+"**")
				} else {
					parts = append(parts, cc.String())
				}
			}
			cost = strings.Join(parts, "; ")
		}
		w("| %s | %s | %s | %s |\n", c.Cell, verdict, bounds, cost)
	}
}
