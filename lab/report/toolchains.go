package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cgohostlab/cgohostlab/lab/judge"
	"github.com/cgohostlab/cgohostlab/lab/matrix"
)

// ToolchainSeries is one scenario on one image and variant across the
// toolchains that ran it, in the order of the matrix's toolchain list,
// with the steps between neighbours where the verdict or a callback cost
// changed.
type ToolchainSeries struct {
	Scenario   string          `json:"scenario"`
	Image      string          `json:"image"`
	Variant    string          `json:"variant"`
	Toolchains []string        `json:"toolchains"`
	Steps      []ToolchainStep `json:"steps,omitempty"`
}

// ToolchainStep is a change between two neighbouring toolchains of a
// series.
type ToolchainStep struct {
	From string `json:"from"`
	To   string `json:"to"`
	// VerdictFrom and VerdictTo are set when the verdict changed.
	VerdictFrom judge.Verdict `json:"verdict_from,omitempty"`
	VerdictTo   judge.Verdict `json:"verdict_to,omitempty"`
	// Costs lists the thread kinds whose callback cost changed.
	Costs []CostChange `json:"cost_changes,omitempty"`
}

func (s ToolchainStep) String() string {
	var parts []string
	if s.VerdictFrom != "" {
		parts = append(parts, fmt.Sprintf("%s → %s", s.VerdictFrom, s.VerdictTo))
	}
	for _, c := range s.Costs {
		parts = append(parts, c.String())
	}
	return fmt.Sprintf("%s → %s: %s", s.From, s.To, strings.Join(parts, ", "))
}

// toolchainSeries returns a series for each (scenario, image, variant)
// that ran on two or more toolchains, sorted by scenario, image and
// variant.
func toolchainSeries(cells []*Cell) []ToolchainSeries {
	order := matrix.ToolchainNames()
	rank := func(tc string) int {
		if i := slices.Index(order, tc); i >= 0 {
			return i
		}
		return len(order)
	}
	type key struct{ scenario, image, variant string }
	groups := map[key][]*Cell{}
	for _, c := range cells {
		k := key{c.Scenario, c.Image, c.Variant}
		groups[k] = append(groups[k], c)
	}
	var keys []key
	for k, g := range groups {
		if len(g) > 1 {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.scenario != b.scenario {
			return a.scenario < b.scenario
		}
		if a.image != b.image {
			return a.image < b.image
		}
		return a.variant < b.variant
	})

	var out []ToolchainSeries
	for _, k := range keys {
		g := groups[k]
		sort.SliceStable(g, func(i, j int) bool { return rank(g[i].Toolchain) < rank(g[j].Toolchain) })
		s := ToolchainSeries{Scenario: k.scenario, Image: k.image, Variant: k.variant}
		for i, c := range g {
			s.Toolchains = append(s.Toolchains, c.Toolchain)
			if i == 0 {
				continue
			}
			prev := g[i-1]
			step := ToolchainStep{From: prev.Toolchain, To: c.Toolchain}
			if prev.Verdict != c.Verdict {
				step.VerdictFrom, step.VerdictTo = prev.Verdict, c.Verdict
			}
			for _, cc := range costChanges(prev, c) {
				if cc.Changed() {
					step.Costs = append(step.Costs, cc)
				}
			}
			if step.VerdictFrom != "" || len(step.Costs) > 0 {
				s.Steps = append(s.Steps, step)
			}
		}
		out = append(out, s)
	}
	return out
}

// toolchainMarkdown renders the series; the caller holds r.mu.
func (r *Report) toolchainMarkdown(w func(string, ...any)) {
	if len(r.AcrossToolchains) == 0 {
		return
	}
	w("\n## Changes across toolchains\n\n")
	w("Each scenario on each image and variant, over the toolchains that ran it in the matrix's order (%s). "+
		"A step is listed where the verdict or a callback cost (×%.0f or more, as in the patch comparison) changed "+
		"between two neighbours in this run.\n\n", strings.Join(matrix.ToolchainNames(), ", "), costChangeFactor)
	w("| scenario | image | variant | toolchains | changes |\n|---|---|---|---|---|\n")
	for _, s := range r.AcrossToolchains {
		changes := "none"
		if len(s.Steps) > 0 {
			var parts []string
			for _, st := range s.Steps {
				parts = append(parts, st.String())
			}
			changes = strings.Join(parts, "; ")
		}
		w("| %s | %s | %s | %s | %s |\n", s.Scenario, s.Image, s.Variant, strings.Join(s.Toolchains, ", "), changes)
	}
}
