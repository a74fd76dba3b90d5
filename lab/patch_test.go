package lab

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cgohostlab/cgohostlab/lab/cell"
	"github.com/cgohostlab/cgohostlab/lab/judge"
	"github.com/cgohostlab/cgohostlab/lab/matrix"
	"github.com/cgohostlab/cgohostlab/lab/overlay"
	"github.com/cgohostlab/cgohostlab/lab/report"
)

// trialPatch writes a patch of two diffs generated from the host's GOROOT
// and loads it as patch "trial": the README's musl-argv example, which
// applies to every toolchain, and a comment added to
// callbackUpdateSystemStack, which Go 1.19 does not have.
func trialPatch(t *testing.T) *overlay.Patch {
	t.Helper()
	goroot, err := cell.HostGOROOT()
	if err != nil {
		t.Fatal(err)
	}
	read := func(rel string) ([]byte, error) { return os.ReadFile(filepath.Join(goroot, rel)) }
	dir := t.TempDir()

	example, err := overlay.ExamplePatch(read)
	if err != nil {
		t.Fatal(err)
	}
	exampleFile := filepath.Join(dir, "musl-argv.diff")
	if err := os.WriteFile(exampleFile, example, 0o644); err != nil {
		t.Fatal(err)
	}

	const cgocall = "src/runtime/cgocall.go"
	src, err := read(cgocall)
	if err != nil {
		t.Fatal(err)
	}
	fn := bytes.Index(src, []byte("\nfunc callbackUpdateSystemStack("))
	if fn < 0 {
		t.Fatalf("the host's %s has no callbackUpdateSystemStack", cgocall)
	}
	body := fn + 1 + bytes.IndexByte(src[fn+1:], '\n') + 1
	edited := slices.Concat(src[:body], []byte("\t// Added by a patch that Go 1.19 cannot take.\n"), src[body:])
	newerFile := filepath.Join(dir, "newer-only.diff")
	if err := os.WriteFile(newerFile, overlay.Diff(cgocall, src, edited), 0o644); err != nil {
		t.Fatal(err)
	}

	p, err := overlay.LoadPatch("trial", exampleFile, newerFile)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPatchTrial runs a patch trial in real containers. The patch makes
// musl's stock start-up cell pass where the unpatched cell reproduces the
// start-up crash. It does not apply to Go 1.19, whose cell is marked so
// with the rejected hunk while the other cells run.
func TestPatchTrial(t *testing.T) {
	filter := currentFilter()
	for _, im := range []string{"glibc", "musl"} {
		if len(filter.Images) > 0 && !slices.Contains(filter.Images, im) {
			t.Skipf("this test runs in the %s image, which -images leaves out", im)
		}
	}
	p := trialPatch(t)

	ctx := context.Background()
	l, err := New(ctx, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		t.Fatal(err)
	}
	l.SetPatch(p)
	t.Cleanup(func() {
		if err := l.Engine.RemoveRun(context.Background()); err != nil {
			t.Errorf("remove containers: %v", err)
		}
	})

	patched := matrix.PatchedVariant("stock", "trial")
	cells := []matrix.Cell{
		{Image: "musl", Toolchain: "host", Variant: "stock", Scenario: "startup"},
		{Image: "musl", Toolchain: "host", Variant: patched, Scenario: "startup"},
		{Image: "glibc", Toolchain: "go1.19", Variant: patched, Scenario: "startup"},
	}
	got := map[string]*report.Cell{}
	for _, c := range cells {
		rc := runOneCell(ctx, t, l, c)
		t.Logf("%s: %s: %s", rc.Name, rc.Verdict, rc.Reason)
		l.Report.Add(rc)
		got[rc.Name] = rc
	}
	l.Report.Finish(l.Set)

	want := map[string]judge.Verdict{
		"musl/host/stock/startup":                judge.KnownIssue,
		"musl/host/stock+patch=trial/startup":    judge.Pass,
		"glibc/go1.19/stock+patch=trial/startup": judge.PatchNotApplied,
	}
	for name, v := range want {
		if got[name].Verdict != v {
			t.Errorf("%s: expected verdict %q, got %q: %s", name, v, got[name].Verdict, got[name].Reason)
		}
	}
	rejected := got["glibc/go1.19/stock+patch=trial/startup"].Reason
	for _, w := range []string{"src/runtime/cgocall.go", "newer-only.diff", "rejected hunk:\n@@ -", "+\t// Added by a patch that Go 1.19 cannot take."} {
		if !strings.Contains(rejected, w) {
			t.Errorf("expected the not-applied reason to contain %q, got:\n%s", w, rejected)
		}
	}

	md := l.Report.Markdown()
	for _, w := range []string{
		"## Patch comparison",
		"| musl/host/stock+patch=trial/startup | **known issue reproduced (go13492) → pass** |",
		"| glibc/go1.19/stock+patch=trial/startup | patch does not apply (no unpatched cell",
	} {
		if !strings.Contains(md, w) {
			t.Errorf("expected the report to contain %q, got:\n%s", w, md)
		}
	}
	for _, ki := range l.Report.KnownIssues {
		if ki.ID == "go13492" && ki.State != "reproduced" {
			t.Errorf("expected go13492 reproduced, with the patched cell left out of the known issues, got %q (not reproduced in %v)", ki.State, ki.NotSeenWhere)
		}
	}
}

// runOneCell opens c's group, runs c in it and closes the group.
func runOneCell(ctx context.Context, t *testing.T, l *Lab, c matrix.Cell) *report.Cell {
	t.Helper()
	g, err := l.OpenGroup(ctx, c.Image, c.Toolchain, c.Variant, l.Hosts([]matrix.Cell{c}))
	if g != nil {
		defer func() {
			if err := g.Close(context.WithoutCancel(ctx)); err != nil {
				t.Errorf("close %s: %v", g.Name(), err)
			}
		}()
	}
	if err != nil {
		log := ""
		if g != nil {
			log = g.BuildLog.String()
		}
		return l.ErrorCell(c, err, log)
	}
	return l.RunCell(ctx, g, c)
}
