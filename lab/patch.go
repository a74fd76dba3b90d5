package lab

import (
	"fmt"

	"github.com/cgohostlab/cgohostlab/lab/judge"
	"github.com/cgohostlab/cgohostlab/lab/matrix"
	"github.com/cgohostlab/cgohostlab/lab/overlay"
	"github.com/cgohostlab/cgohostlab/lab/report"
	"github.com/cgohostlab/cgohostlab/scenarios"
)

// variant returns the named variant; a name with a "+patch=NAME" part
// gets the lab's patch, which must have that name.
func (l *Lab) variant(name string) (overlay.Variant, error) {
	base, patch := matrix.SplitPatch(name)
	v, err := overlay.VariantByName(base)
	if err != nil || patch == "" {
		return v, err
	}
	if l.Patch == nil || l.Patch.Name != patch {
		return overlay.Variant{}, fmt.Errorf("variant %s names patch %q, but the run has no patch of that name (give it with -patch)", name, patch)
	}
	return v.WithPatch(l.Patch), nil
}

// SetPatch makes the run a patch trial of p.
func (l *Lab) SetPatch(p *overlay.Patch) {
	l.Patch = p
	l.Report.Patch = &report.Patch{Name: p.Name, Files: p.Sources}
}

// judgePatched judges a patched cell against each expectation that its
// unpatched cell matches, in the scenario's order, and takes the first
// that reproduces. When none does, the cell must pass. A patch may
// remove one known issue and leave the next. For example, on musl with
// Go 1.22 a patch that lets hosts start still shows the guessed lower
// bound in deepstack.
func (l *Lab) judgePatched(rc *report.Cell, sc *scenarios.Scenario, c matrix.Cell, run judge.Run) {
	base, _ := matrix.SplitPatch(c.Variant)
	unpatched := c
	unpatched.Variant = base
	first := sc.Expected(unpatched.Expect())

	var matching []scenarios.Expectation
	for _, e := range sc.Expect {
		if e.Matches(unpatched.Expect()) {
			matching = append(matching, e)
		}
	}
	for _, e := range matching {
		res := judge.Judge(sc, e, l.Set, run)
		if res.Verdict == judge.KnownIssue || res.Verdict == judge.ExpectedFailure {
			rc.Result, rc.Expected = res, expectedText(e)
			return
		}
	}
	rc.Result = judge.Judge(sc, scenarios.Expectation{Outcome: scenarios.OutcomePass}, l.Set, run)
	rc.Expected = scenarios.OutcomePass
	if len(matching) > 0 {
		rc.Reason += fmt.Sprintf(" (the unpatched cell expects %s)", expectedText(first))
	}
}
