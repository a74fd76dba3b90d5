// Package lab runs the cgohostlab matrix: it builds the images, runs each
// selected cell in a container, judges it and writes the report.
// `go test ./lab` runs the matrix as one subtest per cell, named
// image/toolchain/variant/scenario; see lab_test.go for its flags.
package lab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cgohostlab/cgohostlab/lab/cell"
	"github.com/cgohostlab/cgohostlab/lab/engine"
	"github.com/cgohostlab/cgohostlab/lab/image"
	"github.com/cgohostlab/cgohostlab/lab/judge"
	"github.com/cgohostlab/cgohostlab/lab/matrix"
	"github.com/cgohostlab/cgohostlab/lab/overlay"
	"github.com/cgohostlab/cgohostlab/lab/report"
	"github.com/cgohostlab/cgohostlab/scenarios"
)

// Lab is a connected lab with the run's report.
type Lab struct {
	Engine *engine.Engine
	Images *image.Builder
	Set    *scenarios.Set
	Report *report.Report
	Log    *slog.Logger
	// Patch is the patch of a patch trial, applied in the cells whose
	// variant names it; nil outside a trial.
	Patch *overlay.Patch

	// abort ends the context that Watch returned.
	abort context.CancelCauseFunc
	// Quiet keeps builds and other cells from running beside a benchmark.
	Quiet Quiet
}

// New connects to the engine, removes what dead runs left behind and
// loads the scenarios.
func New(ctx context.Context, log *slog.Logger) (*Lab, error) {
	set, err := scenarios.Builtin()
	if err != nil {
		return nil, fmt.Errorf("load scenarios: %w", err)
	}
	e, err := engine.Connect(ctx, log)
	if err != nil {
		return nil, err
	}
	if err := e.Sweep(ctx); err != nil {
		return nil, err
	}
	log.Info("lab started", "engine", e.Host, "version", e.Version, "run", e.RunID)
	return &Lab{
		Engine: e,
		Images: image.NewBuilder(e),
		Set:    set,
		Report: &report.Report{Started: time.Now(), Engine: e.Version},
		Log:    log,
	}, nil
}

// Watch returns a context that ends with ctx, and also when a failed
// engine call failed because the engine no longer responds. The run then
// stops at once with that cause instead of failing each remaining cell.
func (l *Lab) Watch(ctx context.Context) context.Context {
	ctx, l.abort = context.WithCancelCause(ctx)
	return ctx
}

// checkEngine ends the watched context when err came with an engine that
// no longer responds.
func (l *Lab) checkEngine(ctx context.Context, err error) {
	if err == nil || ctx.Err() != nil || l.abort == nil {
		return
	}
	if gone := l.Engine.Ping(ctx); gone != nil {
		l.Log.Error("stopping the run", "cause", gone)
		l.abort(gone)
	}
}

// Hosts returns the hosts that the scenarios of cells need, without
// duplicates.
func (l *Lab) Hosts(cells []matrix.Cell) []cell.Host {
	seen := map[string]bool{}
	var hosts []cell.Host
	for _, c := range cells {
		h := cell.HostFor(l.Set.Scenario(c.Scenario))
		if !seen[h.Name] {
			seen[h.Name] = true
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// OpenGroup provides the image, starts the group's container and builds
// the hosts in it. On a build failure it returns the group too, so its
// build log reaches the report; the caller closes a non-nil group.
func (l *Lab) OpenGroup(ctx context.Context, imageName, toolchainName, variantName string, hosts []cell.Host) (*cell.Group, error) {
	g, err := l.openGroup(ctx, imageName, toolchainName, variantName, hosts)
	l.checkEngine(ctx, err)
	return g, err
}

func (l *Lab) openGroup(ctx context.Context, imageName, toolchainName, variantName string, hosts []cell.Host) (*cell.Group, error) {
	im, err := matrix.ImageByName(imageName)
	if err != nil {
		return nil, err
	}
	tc, err := matrix.ToolchainByName(toolchainName)
	if err != nil {
		return nil, err
	}
	v, err := l.variant(variantName)
	if err != nil {
		return nil, err
	}

	l.Quiet.mu.RLock()
	defer l.Quiet.mu.RUnlock()
	tag, err := l.Images.Image(ctx, im.Image)
	if err != nil {
		return nil, err
	}
	runTag := ""
	if im.Arch != "" {
		if runTag, err = l.Images.RunImage(ctx, im.Image); err != nil {
			return nil, err
		}
	}
	g, err := cell.Start(ctx, l.Engine, im, tag, tc, v)
	if err != nil {
		return nil, err
	}
	if runTag != "" {
		if err := g.StartRunner(ctx, runTag); err != nil {
			return g, err
		}
	}
	l.Report.AddVariant(report.Variant{Name: v.Name, Summary: v.Summary, Workaround: v.Workaround})

	if err := g.Build(ctx, hosts); err != nil {
		return g, fmt.Errorf("build %s: %w", g.Name(), err)
	}

	binaries := map[string]string{}
	for h, b := range g.Binaries {
		binaries[h] = b.Interpreter
	}
	l.Report.AddImage(report.Image{Name: im.Name, Tag: tag, RunTag: runTag, Arch: im.GOARCH(), Emulated: g.Emulated(),
		Libc: g.Libc, CC: im.CC, Binaries: binaries})
	l.Report.AddToolchain(report.Toolchain{Name: tc.Name, Image: im.Name, Version: g.GoVersion})
	return g, nil
}

func newCell(c matrix.Cell, exp scenarios.Expectation) *report.Cell {
	var injection, bug string
	if v, err := overlay.VariantByName(c.Variant); err == nil && v.Injection {
		for _, part := range strings.Split(c.Variant, "+") {
			if pv, err := overlay.VariantByName(part); err == nil && pv.Injection {
				injection = pv.Name
			}
		}
		bug = v.Bug
	}
	_, patch := matrix.SplitPatch(c.Variant)
	rc := &report.Cell{
		Name: c.Name(), Image: c.Image, Toolchain: c.Toolchain, Variant: c.Variant, Scenario: c.Scenario,
		Expected: expectedText(exp), Injection: injection, InjectionBug: bug, Patch: patch,
	}
	if exp.Outcome != scenarios.OutcomePass {
		rc.ExpectedReason, rc.ExpectedSource = exp.Reason, exp.Source
	}
	return rc
}

// ErrorCell returns the report of a cell that could not run because the
// lab failed.
func (l *Lab) ErrorCell(c matrix.Cell, err error, buildLog string) *report.Cell {
	sc := l.Set.Scenario(c.Scenario)
	rc := newCell(c, sc.Expected(c.Expect()))
	rc.Verdict = judge.Error
	rc.Reason = err.Error()
	rc.BuildLog = buildLog
	var pe *overlay.PatchError
	if errors.As(err, &pe) {
		rc.Verdict = judge.PatchNotApplied
		rc.Reason = pe.Error()
		rc.BuildLog = ""
	}
	return rc
}

// RunCell runs the cell's host in g and judges the result. It returns
// nil when the run ended (interrupted, past its deadline, or the engine
// gone) before the cell had a result: the report lists such a cell as
// unfinished.
func (l *Lab) RunCell(ctx context.Context, g *cell.Group, c matrix.Cell) *report.Cell {
	sc := l.Set.Scenario(c.Scenario)
	exp := sc.Expected(c.Expect())
	rc := newCell(c, exp)

	host := cell.HostFor(sc).Name
	var res *cell.RunResult
	var err error
	runHost := func() { res, err = g.Run(ctx, host, sc.Args, sc.Env, sc.StackLimit, sc.Timeout.Duration) }
	if sc.Benchmark {
		l.Quiet.Exclusive(runHost)
	} else {
		l.Quiet.Shared(runHost)
	}
	if err != nil {
		l.checkEngine(ctx, err)
		if ctx.Err() != nil {
			return nil
		}
		rc.Verdict = judge.Error
		rc.Reason = fmt.Sprintf("run host %s: %v", host, err)
		return rc
	}
	out := judge.Parse(res.Stdout)
	run := judge.Run{Exit: res.Exit, Output: out, Stderr: res.Stderr}
	if rc.Patch != "" {
		l.judgePatched(rc, sc, c, run)
	} else {
		rc.Result = judge.Judge(sc, exp, l.Set, run)
	}
	rc.Command = res.Command
	rc.Exit = &res.Exit
	rc.Duration = res.Duration
	rc.Counters = out.Counters
	rc.Records = out.All
	rc.Benches = judge.SummarizeBenches(out.Benches)
	rc.Malformed = out.Malformed
	rc.Stderr = string(res.Stderr)
	return rc
}

// expectedText returns an expectation as the report's expected column
// shows it: "pass", a known issue id, or "fail (signature)".
func expectedText(exp scenarios.Expectation) string {
	switch {
	case exp.Issue != "":
		return exp.Issue
	case exp.Outcome == scenarios.OutcomeFail:
		return "fail (" + signatureText(exp.Signature) + ")"
	}
	return exp.Outcome
}

func signatureText(sig *scenarios.Signature) string {
	var parts []string
	if sig.Verdict != "" {
		parts = append(parts, sig.Verdict)
	}
	if sig.Signal != "" {
		parts = append(parts, sig.Signal)
	}
	if sig.Stderr != "" {
		parts = append(parts, "stderr ~ "+sig.Stderr)
	}
	for _, alt := range sig.AnyOf {
		parts = append(parts, signatureText(&alt))
	}
	return strings.Join(parts, " or ")
}
