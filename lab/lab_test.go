package lab

// TestMatrix runs the lab's matrix against the Docker engine that
// DOCKER_HOST names: one subtest per cell, named
// image/toolchain/variant/scenario. It fails, and does not skip, when no
// engine responds.
//
// Selecting cells:
//
//	go test ./lab                         the default matrix
//	go test -short ./lab                  the smoke set
//	go test ./lab -run 'musl/host/noargv' levels of the cell name, as -run does
//	go test ./lab -run 13492              a known issue's cells
//	go test ./lab -args -images=glibc -scenarios=churn
//	go test ./lab -args -scenario-dir=scenarios/examples/workerpool
//	go test ./lab -run TestMatrix -args -patch FILE.diff   a patch trial
//
// A -run pattern whose first element does not name a top-level test is
// taken as a cell pattern below TestMatrix (see matrix.Select). The
// environment variables CGOHOSTLAB_IMAGES, CGOHOSTLAB_TOOLCHAINS,
// CGOHOSTLAB_VARIANTS, CGOHOSTLAB_SCENARIOS, CGOHOSTLAB_PATCH and
// CGOHOSTLAB_PATCH_NAME do what the flags do, and CGOHOSTLAB_REPORT_DIR
// sets the report directory. -scenario-dir (or CGOHOSTLAB_SCENARIO_DIR)
// adds bring-your-own scenario folders.

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cgohostlab/cgohostlab/lab/judge"
	"github.com/cgohostlab/cgohostlab/lab/matrix"
	"github.com/cgohostlab/cgohostlab/lab/overlay"
	"github.com/cgohostlab/cgohostlab/lab/report"
)

var (
	flagImages     = flag.String("images", os.Getenv("CGOHOSTLAB_IMAGES"), "comma-separated images to run (default all)")
	flagToolchains = flag.String("toolchains", os.Getenv("CGOHOSTLAB_TOOLCHAINS"), "comma-separated toolchains to run (default all)")
	flagVariants   = flag.String("variants", os.Getenv("CGOHOSTLAB_VARIANTS"), "comma-separated runtime variants to run (default all)")
	flagScenarios  = flag.String("scenarios", os.Getenv("CGOHOSTLAB_SCENARIOS"), "comma-separated scenarios to run (default all)")
	flagReport     = flag.String("report", os.Getenv("CGOHOSTLAB_REPORT_DIR"), "report directory (default: report/ in the repository)")
	flagShard      = flag.String("shard", os.Getenv("CGOHOSTLAB_SHARD"), "run only shard i of n, written i/n (default: all cells)")
	flagPatch      = flag.String("patch", os.Getenv("CGOHOSTLAB_PATCH"), "comma-separated unified diffs against GOROOT (a/src/...) that make one patch, "+
		"run beside the unpatched cells; relative paths start at the repository root (default: no patch trial)")
	flagPatchName = flag.String("patch-name", os.Getenv("CGOHOSTLAB_PATCH_NAME"), "the patch's name in cell names (default: the first diff's file name without .diff or .patch)")
	flagParallel  = flag.String("parallel-cells", "", "number of groups (image, toolchain, variant) to run at once "+
		"(default CGOHOSTLAB_PARALLEL_CELLS, else the number of CPUs)")
)

// cellPattern is the part of -run that selects cells.
var cellPattern string

// topLevelTests are the tests of this package, which a -run pattern may
// name as usual.
var topLevelTests = []string{"TestMatrix", "TestHostTimeout", "TestShardsMergeToOneRun", "TestInterruptedRunsLeaveNothing", "TestEngineGoneMidRun", "TestPatchTrial"}

var goTestName = regexp.MustCompile(`^\^?(Test|Benchmark|Fuzz|Example)`)

func TestMain(m *testing.M) {
	flag.Parse()
	rewriteRun()
	os.Exit(m.Run())
}

// rewriteRun turns a -run pattern that names cells into -run ^TestMatrix$
// and keeps the pattern for matrix.Select.
func rewriteRun() {
	f := flag.Lookup("test.run")
	pattern := f.Value.String()
	if pattern == "" {
		return
	}
	elems := matrix.SplitPattern(pattern)
	if re, err := regexp.Compile(elems[0]); err == nil {
		for _, name := range topLevelTests {
			if re.MatchString(name) {
				cellPattern = strings.Join(elems[1:], "/")
				return
			}
		}
	}
	if goTestName.MatchString(elems[0]) {
		return // a test of another package, under go test ./...
	}
	cellPattern = pattern
	f.Value.Set("^TestMatrix$")
}

// currentFilter returns the cell filter that the flags, the environment
// and -run set.
func currentFilter() matrix.Filter {
	return matrix.Filter{
		Images:     splitList(*flagImages),
		Toolchains: splitList(*flagToolchains),
		Variants:   splitList(*flagVariants),
		Scenarios:  splitList(*flagScenarios),
		Pattern:    cellPattern,
		Short:      testing.Short(),
	}
}

// filterError adds to err where filters come from.
func filterError(err error) error {
	return fmt.Errorf("%w (filters come from -images, -toolchains, -variants and -scenarios after -args, "+
		"the CGOHOSTLAB_IMAGES, CGOHOSTLAB_TOOLCHAINS, CGOHOSTLAB_VARIANTS and CGOHOSTLAB_SCENARIOS variables, and -run)", err)
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// reportDir returns the report directory: the flag, or report/ at the
// root of the module this test runs in.
func reportDir() string {
	if *flagReport != "" {
		return *flagReport
	}
	return filepath.Join(moduleRoot(), "report")
}

// patchFiles returns the -patch files, relative paths taken from the
// module root: go test runs the test in ./lab, not where it was started.
func patchFiles() []string {
	var files []string
	for _, f := range splitList(*flagPatch) {
		if !filepath.IsAbs(f) {
			f = filepath.Join(moduleRoot(), f)
		}
		files = append(files, f)
	}
	return files
}

// cleanupMargin is how long before the test binary's -timeout the lab
// stops its cells, so that it can remove its containers and write the
// report before the testing package ends the process.
const cleanupMargin = 45 * time.Second

func TestMatrix(t *testing.T) {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	// ctx ends on Ctrl-C, SIGTERM, or shortly before the -timeout
	// deadline. The cleanup below then still removes this run's containers
	// and writes the report with the cells that finished.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	cancel := context.CancelFunc(func() {})
	if d, ok := t.Deadline(); ok {
		ctx, cancel = context.WithDeadlineCause(ctx, d.Add(-cleanupMargin),
			fmt.Errorf("stopped %s before the go test -timeout deadline", cleanupMargin))
	}
	stopAll := func() { cancel(); stop() }

	l, err := New(ctx, log)
	if err != nil {
		stopAll()
		t.Fatal(err)
	}
	filter := currentFilter()
	if err := addScenarioDirs(l, &filter); err != nil {
		stopAll()
		t.Fatal(err)
	}
	shard, err := matrix.ParseShard(*flagShard)
	if err != nil {
		stopAll()
		t.Fatalf("-shard or CGOHOSTLAB_SHARD: %v", err)
	}
	if *flagPatch != "" {
		p, err := overlay.LoadPatch(*flagPatchName, patchFiles()...)
		if err != nil {
			stopAll()
			t.Fatalf("-patch or CGOHOSTLAB_PATCH: %v", err)
		}
		l.SetPatch(p)
		filter.Patch = p.Name
	}
	parallel, err := ParallelGroups(*flagParallel)
	if err != nil {
		stopAll()
		t.Fatal(err)
	}
	all, err := matrix.Select(l.Set, filter)
	if err != nil {
		stopAll()
		t.Fatal(filterError(err))
	}
	cells := shard.Select(all)
	l.Report.Filter = describeFilter(filter)
	l.Report.Short = filter.Short
	l.Report.Selection = cellNames(all)
	l.Report.Planned = cellNames(cells)
	l.Report.NotApplicable = matrix.NotApplicableIn(filter, all)
	if shard.Count > 1 {
		l.Report.Shard = fmt.Sprintf("%d/%d", shard.Index, shard.Count)
	}
	log.Info("matrix selected", "cells", len(cells), "filter", l.Report.Filter, "shard", l.Report.Shard, "parallel groups", parallel)
	progress, closeProgress := openProgress(t, len(cells))
	ctx = l.Watch(ctx)

	// Whatever happens below, remove this run's containers and write the
	// report.
	t.Cleanup(func() {
		if ctx.Err() != nil {
			l.Report.Interrupted = context.Cause(ctx).Error()
			t.Errorf("run interrupted: %v", context.Cause(ctx))
		}
		stopAll()
		cleanCtx, cancelClean := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancelClean()
		if err := l.Engine.RemoveRun(cleanCtx); err != nil {
			t.Errorf("remove containers of this run: %v", err)
		}
		l.Report.Duration = time.Since(l.Report.Started)
		l.Report.Finish(l.Set)
		dir := reportDir()
		if err := l.Report.Write(dir); err != nil {
			t.Errorf("write report: %v", err)
		}
		log.Info("report written", "dir", dir, "summary", l.Report.Summary())
		progress.Summary(l.Report, dir)
		closeProgress()
	})

	runGroups(ctx, t, l, cells, parallel, progress)
}

// runGroup runs the cells of one (image, toolchain, variant) in one
// container, which builds only the hosts and libraries of those cells.
func runGroup(ctx context.Context, t *testing.T, l *Lab, img, tc, v string, cells []matrix.Cell, progress *Progress) {
	g, groupErr := l.OpenGroup(ctx, img, tc, v, l.Hosts(cells))
	if g != nil {
		defer func() {
			if err := g.Close(context.WithoutCancel(ctx)); err != nil {
				t.Errorf("close %s: %v", g.Name(), err)
			}
		}()
	}
	for _, c := range cells {
		t.Run(c.Scenario, func(t *testing.T) {
			rc := func() *report.Cell {
				if ctx.Err() != nil {
					return nil // the run ended before this cell had a result
				}
				if groupErr != nil {
					log := ""
					if g != nil {
						log = g.BuildLog.String()
					}
					return l.ErrorCell(c, groupErr, log)
				}
				return l.RunCell(ctx, g, c)
			}()
			if rc == nil {
				t.Skipf("unfinished: %v", context.Cause(ctx))
			}
			l.Report.Add(rc)
			l.Log.Info("cell done", "cell", rc.Name, "verdict", rc.Verdict, "took", rc.Duration.Round(time.Millisecond))
			progress.Cell(rc)

			switch rc.Verdict {
			case judge.Pass, judge.KnownIssue, judge.ExpectedFailure:
				t.Logf("%s: %s", rc.Verdict, rc.Reason)
			case judge.PatchNotApplied:
				t.Skipf("%s", rc.Reason)
			default:
				t.Errorf("%s: expected %s, got %s: %s\nstderr:\n%s", rc.Name, rc.Expected, rc.Verdict, rc.Reason, rc.Stderr)
			}
		})
	}
}

func describeFilter(f matrix.Filter) string {
	var parts []string
	add := func(name string, v []string) {
		if len(v) > 0 {
			parts = append(parts, fmt.Sprintf("%s=%s", name, strings.Join(v, ",")))
		}
	}
	add("images", f.Images)
	add("toolchains", f.Toolchains)
	add("variants", f.Variants)
	add("scenarios", f.Scenarios)
	if f.Pattern != "" {
		parts = append(parts, "run="+f.Pattern)
	}
	if f.Patch != "" {
		parts = append(parts, "patch="+f.Patch)
	}
	return strings.Join(parts, " ")
}

func cellNames(cells []matrix.Cell) []string {
	names := make([]string, len(cells))
	for i, c := range cells {
		names[i] = c.Name()
	}
	return names
}
