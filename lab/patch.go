package lab

import (
	"fmt"

	"github.com/cgohostlab/cgohostlab/lab/judge"
	"github.com/cgohostlab/cgohostlab/lab/matrix"
	"github.com/cgohostlab/cgohostlab/lab/overlay"
	"github.com/cgohostlab/cgohostlab/lab/report"
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

// judgePatched turns "expected issue not reproduced" in a patched cell
// into a pass. The expectation is the unpatched cell's, and a patch that
// makes a known issue or an expected failure go away, and leaves the cell
// clean, is what a patch trial is run to find. The judge reports that
// verdict only for a clean run.
func judgePatched(rc *report.Cell) {
	if rc.Verdict != judge.NotReproduced {
		return
	}
	rc.Verdict = judge.Pass
	rc.Reason = fmt.Sprintf("passed with the patch; the unpatched cell expects %s", rc.Expected)
	rc.KnownIssue = ""
}
