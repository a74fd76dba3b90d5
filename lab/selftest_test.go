package lab

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cgohostlab/cgohostlab/lab/cell"
	"github.com/cgohostlab/cgohostlab/lab/judge"
	"github.com/cgohostlab/cgohostlab/lab/matrix"
	"github.com/cgohostlab/cgohostlab/scenarios"
)

// TestHostTimeout runs a host that blocks in Go for ever and checks that
// the lab stops it at the scenario's timeout with SIGQUIT first, keeps
// the Go traceback that SIGQUIT prints, and judges the cell a hang.
func TestHostTimeout(t *testing.T) {
	set, err := scenarios.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	filter := currentFilter()
	if _, err := matrix.Select(set, filter); err != nil {
		t.Skip("the cell filter is invalid, which TestMatrix reports")
	}
	if len(filter.Images) > 0 && !slices.Contains(filter.Images, "glibc") {
		t.Skip("this test runs in the glibc image, which -images leaves out")
	}

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx := context.Background()
	l, err := New(ctx, log)
	if err != nil {
		t.Fatal(err)
	}
	sc := &scenarios.Scenario{
		Name:      "selftest-hang",
		Summary:   "blocks in Go for ever",
		Host:      "hang",
		Timeout:   scenarios.Duration{Duration: 3 * time.Second},
		BuildMode: scenarios.BuildModeCArchive,
	}
	l.Set.Scenarios = append(l.Set.Scenarios, sc)
	t.Cleanup(func() {
		if err := l.Engine.RemoveRun(context.Background()); err != nil {
			t.Errorf("remove containers: %v", err)
		}
	})

	g, err := l.OpenGroup(ctx, "glibc", "host", "stock", []cell.Host{cell.HostFor(sc)})
	if g != nil {
		defer g.Close(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	rc := l.RunCell(ctx, g, matrix.Cell{Image: "glibc", Toolchain: "host", Variant: "stock", Scenario: sc.Name})
	took := time.Since(start)
	t.Logf("verdict %s: %s (took %s)\nstderr:\n%s", rc.Verdict, rc.Reason, took, rc.Stderr)

	if rc.Verdict != judge.Fail {
		t.Errorf("expected verdict %q, got %q", judge.Fail, rc.Verdict)
	}
	if rc.Exit == nil || !rc.Exit.TimedOut {
		t.Errorf("expected the exit to be a timeout, got %+v", rc.Exit)
	}
	if !strings.Contains(rc.Reason, "host hung and was killed after 3s") {
		t.Errorf("expected the reason to report the hang, got %q", rc.Reason)
	}
	if !strings.Contains(rc.Stderr, "SIGQUIT") || !strings.Contains(rc.Stderr, "goroutine ") {
		t.Errorf("expected the Go traceback that SIGQUIT prints in stderr, got:\n%s", rc.Stderr)
	}
	if took > 3*time.Second+15*time.Second {
		t.Errorf("expected the host stopped soon after its 3s timeout, took %s", took)
	}
}
