package judge

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/cgohostlab/cgohostlab/scenarios"
)

// BoundsClass is the relation of the g0 bounds that the runtime held
// during a call to the calling thread's true stack.
type BoundsClass string

// Bounds classes, from best to worst. Only the lower bound is judged for
// safety, because the runtime grows g0 down into [lo, SP). A lower bound
// below the true stack lets Go run off the stack's end. A high bound above
// the stack top never lets it write there, and an SP-based estimate of
// SP+1 KiB is often above it near a thread's entry, so its excess is only
// reported, as HiOver.
const (
	// Exact: the bounds are the true stack.
	Exact BoundsClass = "exact"
	// Conservative: accurate bounds inside the true stack.
	Conservative BoundsClass = "conservative"
	// Estimate: the runtime guessed from SP (it did not mark the bounds
	// accurate, or, in toolchains without that mark, the bounds are the
	// 32 KiB + 1 KiB window around SP).
	Estimate BoundsClass = "estimate"
	// Unsafe: the lower bound lies below the true stack.
	Unsafe BoundsClass = "unsafe"
)

// spSlack is how far above the g0 high bound the SP that a host records
// may lie: the host reads SP a few frames above cgocallback, which the
// runtime's estimate [SP-32 KiB, SP+1 KiB) starts from.
const spSlack = 4096

// estimateSize is the runtime's SP-based guess: [SP-32 KiB, SP+1 KiB).
const estimateSize = 32*1024 + 1024

var classRank = map[BoundsClass]int{Exact: 0, Conservative: 1, Estimate: 2, Unsafe: 3}

// Worse reports whether class a is worse than b.
func Worse(a, b BoundsClass) bool { return classRank[a] > classRank[b] }

// CallBounds is the bounds judgement of one call.
type CallBounds struct {
	Kind     string      `json:"kind"`
	Depth    uint64      `json:"depth"`
	Class    BoundsClass `json:"class"`
	UnsafeBy uint64      `json:"unsafe_by,omitempty"` // bytes below the true stack
	Foreign  bool        `json:"foreign,omitempty"`   // the bounds do not contain SP
	HiOver   uint64      `json:"hi_over,omitempty"`   // bytes above the true stack top
	Size     uint64      `json:"size"`                // g0_hi - g0_lo
	TrueSize uint64      `json:"true_size"`
}

// ClassifyCall judges one call record. ok is false when the record has no
// g0 bounds.
func ClassifyCall(r Record) (cb CallBounds, ok bool) {
	if r.G0Lo == nil || r.G0Hi == nil {
		return CallBounds{}, false
	}
	lo, hi := *r.G0Lo, *r.G0Hi
	cb = CallBounds{Kind: r.Kind, Depth: r.Depth, Size: hi - lo, TrueSize: r.TrueHi - r.TrueLo}
	if hi > r.TrueHi {
		cb.HiOver = hi - r.TrueHi
	}
	switch {
	case lo < r.TrueLo:
		cb.Class = Unsafe
		cb.UnsafeBy = r.TrueLo - lo
	case r.SP != 0 && (r.SP < lo || r.SP > hi+spSlack):
		// Bounds of another stack: what a runtime that missed a stack
		// switch holds.
		cb.Class = Unsafe
		cb.Foreign = true
	case lo == r.TrueLo && hi == r.TrueHi:
		cb.Class = Exact
	case r.Accurate != nil && *r.Accurate == 0:
		cb.Class = Estimate
	case r.Accurate == nil && hi-lo == estimateSize:
		cb.Class = Estimate
	default:
		cb.Class = Conservative
	}
	return cb, true
}

// KindBounds summarizes the calls of one thread kind by their worst class.
type KindBounds struct {
	Kind     string      `json:"kind"`
	Class    BoundsClass `json:"class"`
	Calls    int         `json:"calls"`
	UnsafeBy uint64      `json:"unsafe_by,omitempty"`
	Size     uint64      `json:"size"`      // g0 size of the worst call
	TrueSize uint64      `json:"true_size"` // true stack size of that call
	Truth    string      `json:"truth"`     // source of the true bounds: buffer, libc, maps or parent
}

// SummarizeBounds returns one summary per thread kind, in the order the
// kinds first appear.
func SummarizeBounds(calls []Record) []KindBounds {
	var order []string
	byKind := map[string]*KindBounds{}
	for _, r := range calls {
		cb, ok := ClassifyCall(r)
		if !ok {
			continue
		}
		kb := byKind[r.Kind]
		if kb == nil {
			kb = &KindBounds{Kind: r.Kind, Class: cb.Class, Size: cb.Size, TrueSize: cb.TrueSize, Truth: r.Truth}
			byKind[r.Kind] = kb
			order = append(order, r.Kind)
		}
		kb.Calls++
		if Worse(cb.Class, kb.Class) {
			kb.Class, kb.Size, kb.TrueSize = cb.Class, cb.Size, cb.TrueSize
		}
		kb.UnsafeBy = max(kb.UnsafeBy, cb.UnsafeBy)
	}
	var out []KindBounds
	for _, k := range order {
		out = append(out, *byKind[k])
	}
	return out
}

// Check is the result of one scenario check.
type Check struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// CheckBounds fails when any call's lower g0 bound lies below the true stack.
func CheckBounds(out *Output) Check {
	c := Check{Name: scenarios.CheckBounds, Passed: true}
	n, unsafe := 0, 0
	var first string
	for _, r := range out.Calls {
		cb, ok := ClassifyCall(r)
		if !ok {
			continue
		}
		n++
		if cb.Class == Unsafe {
			unsafe++
			if first == "" && cb.Foreign {
				first = fmt.Sprintf("%s at depth %d: g0 bounds [%#x, %#x) do not contain SP %#x", r.Kind, r.Depth, *r.G0Lo, *r.G0Hi, r.SP)
			} else if first == "" {
				first = fmt.Sprintf("%s at depth %d: g0 lower bound %d bytes below the true stack", r.Kind, r.Depth, cb.UnsafeBy)
			}
		}
	}
	switch {
	case n == 0:
		c.Passed = false
		c.Detail = "no call records with g0 bounds"
	case unsafe > 0:
		c.Passed = false
		c.Detail = fmt.Sprintf("%d of %d calls unsafe; first: %s", unsafe, n, first)
	default:
		c.Detail = fmt.Sprintf("%d calls, none unsafe", n)
	}
	return c
}

// mleakSlack is the number of Ms a phase may create beyond the C threads
// alive at once in it. The runtime starts Ms of its own while the host
// runs (sysmon, the template thread, spare Ms of the scheduler), and the
// toolchains measured so far started fewer than 8.
const mleakSlack = 8

// mleakPeakShare adds one M of slack for every mleakPeakShare threads alive
// at once. When hundreds of callbacks wait for a P at the same time, the
// runtime starts Ms of its own and makes extra Ms for several waiters at
// once: for the first 500 concurrent threads of the concurrency host, Go
// 1.27.3 created 531 Ms and Go 1.22 once 567 on a loaded machine, and for
// the next 500 none. A leak still shows in extra Ms in use.
const mleakPeakShare = 5

// CheckMLeak fails when Ms created or extra Ms in use grow with the number
// of C threads that came and went. In each phase the host reports how
// many threads came and went and how many were alive at once (peak). A
// phase may create peak + mleakSlack + peak/mleakPeakShare new Ms, and
// extra Ms in use must return to their value before the phase. A leak of
// one M per thread exceeds that bound by hundreds in the churn host.
func CheckMLeak(out *Output) Check {
	c := Check{Name: scenarios.CheckMLeak, Passed: true}
	if len(out.Counters) < 2 {
		c.Passed = false
		c.Detail = fmt.Sprintf("need counters before and after a phase, got %d counters records", len(out.Counters))
		return c
	}
	var details []string
	for i := 1; i < len(out.Counters); i++ {
		prev, cur := out.Counters[i-1], out.Counters[i]
		if cur.MsCreated == nil || prev.MsCreated == nil {
			details = append(details, cur.Phase+": Ms created not available")
			continue
		}
		grew := int64(*cur.MsCreated) - int64(*prev.MsCreated)
		bound := int64(cur.Peak + mleakSlack + cur.Peak/mleakPeakShare)
		d := fmt.Sprintf("%s: %d threads (peak %d), Ms created %d -> %d (+%d, bound +%d)",
			cur.Phase, cur.Threads, cur.Peak, *prev.MsCreated, *cur.MsCreated, grew, bound)
		if grew > bound {
			c.Passed = false
			d += " LEAK"
		}
		if cur.ExtraInUse != nil && prev.ExtraInUse != nil {
			d += fmt.Sprintf(", extra Ms in use %d -> %d", *prev.ExtraInUse, *cur.ExtraInUse)
			if *cur.ExtraInUse > *prev.ExtraInUse {
				c.Passed = false
				d += " LEAK"
			}
		} else {
			d += ", extra Ms in use not available"
		}
		details = append(details, d)
	}
	c.Detail = strings.Join(details, "; ")
	return c
}

// maxMainCostRatio is how many times slower a callback from the main
// thread may be than one from another C thread. Reading the main thread's
// bounds from glibc parses /proc/self/maps, tens of microseconds against
// about 100 ns for a bound pthread, so a runtime that does it on every
// call exceeds the ratio many times over.
const maxMainCostRatio = 10

// CheckMainCost fails when the median callback from the main thread
// costs more than maxMainCostRatio times the median one from a pthread.
func CheckMainCost(out *Output) Check {
	c := Check{Name: scenarios.CheckMainCost}
	mainNs, okMain := BenchMedian(out.Benches, BenchMain)
	threadNs, okThread := BenchMedian(out.Benches, BenchPthread)
	if !okMain || !okThread || threadNs == 0 {
		c.Detail = fmt.Sprintf("need bench records for main and pthread, got %d bench records", len(out.Benches))
		return c
	}
	ratio := mainNs / threadNs
	c.Passed = ratio <= maxMainCostRatio
	c.Detail = fmt.Sprintf("medians: main thread %.0f ns/call, pthread %.0f ns/call, ratio %.1f (bound %d)", mainNs, threadNs, ratio, maxMainCostRatio)
	return c
}

// CheckMKept fails when a thread's signal stack is gone after its first
// call into Go returned: the runtime took the thread's M back, so every
// call borrows an M anew (Go 1.20 and earlier, golang/go#51676). The
// check replaces a bound on nanoseconds per call, which a loaded machine
// crosses.
func CheckMKept(out *Output) Check {
	c := Check{Name: scenarios.CheckMKept, Passed: len(out.AltStacks) > 0}
	var parts []string
	for _, r := range out.AltStacks {
		if r.Enabled != nil && *r.Enabled {
			parts = append(parts, fmt.Sprintf("%s kept its M (a %d-byte signal stack stays installed)", r.Kind, r.Size))
			continue
		}
		c.Passed = false
		parts = append(parts, fmt.Sprintf("%s gave its M back after the call (no signal stack installed)", r.Kind))
	}
	if len(parts) == 0 {
		parts = append(parts, "no altstack record")
	}
	c.Detail = strings.Join(parts, "; ")
	return c
}

// CheckExtraInC fails when Go ran on an extra M that the runtime marked as
// running only C code. That happens when a callback nested in a C call
// returns and the runtime marks the M as out of Go, although the outer Go
// frame goes on. A profiling signal then counts Go code as external code.
func CheckExtraInC(out *Output) Check {
	c := Check{Name: scenarios.CheckExtraInC}
	if len(out.NestFlags) == 0 {
		c.Detail = "no nestflags record"
		return c
	}
	r := out.NestFlags[len(out.NestFlags)-1]
	switch {
	case r.Returns == nil || r.Flagged == nil:
		c.Passed = true
		c.Detail = "not available: the runtime has no flag for an extra M in C"
	case *r.Flagged > 0:
		c.Detail = fmt.Sprintf("Go ran with its M marked as in C after %d of %d returns from a C call that held a nested callback", *r.Flagged, *r.Returns)
	default:
		c.Passed = true
		c.Detail = fmt.Sprintf("the M was marked as in Go after all %d returns from a C call that held a nested callback", *r.Returns)
	}
	return c
}

// Verdict is a cell's outcome.
type Verdict string

// Verdicts.
const (
	Pass Verdict = "pass"
	Fail Verdict = "fail"
	// KnownIssue: an expected known issue reproduced with its signature.
	KnownIssue Verdict = "known issue reproduced"
	// NotReproduced: a known issue or a failure was expected and did not
	// appear: a fix upstream, or a detector the lab lost.
	NotReproduced Verdict = "expected issue not reproduced"
	// ExpectedFailure: a failure that the cell's expectation describes
	// (an injection caught, or a finding without an upstream issue)
	// appeared with its signature.
	ExpectedFailure Verdict = "expected failure reproduced"
	// Error: the lab itself failed (build error, engine error).
	Error Verdict = "error"
	// PatchNotApplied: a patch trial's patch does not apply to the cell's
	// toolchain, so the cell did not run.
	PatchNotApplied Verdict = "patch does not apply"
)

// Result is a judged cell.
type Result struct {
	Verdict    Verdict      `json:"verdict"`
	Reason     string       `json:"reason"`
	KnownIssue string       `json:"known_issue,omitempty"`
	Checks     []Check      `json:"checks"`
	Bounds     []KindBounds `json:"bounds,omitempty"`
}

// Run is everything the judge needs about one host run.
type Run struct {
	Exit   Exit
	Output *Output
	Stderr []byte
}

// completed reports whether the host ran to its end record and exited 0.
func (r Run) completed() bool {
	return !r.Exit.TimedOut && r.Exit.Code == 0 && r.Output.End != nil
}

// checks are the scenario checks in the order they are reported. Bounds
// are judged on every call a host recorded, even if it died later; the
// others need a host that ran to its end.
var checks = []struct {
	name    string
	symptom string // the signature verdict of a failure
	applies func(Run) bool
	run     func(*Output) Check
}{
	{scenarios.CheckBounds, "bounds-unsafe", func(r Run) bool { return len(r.Output.Calls) > 0 }, CheckBounds},
	{scenarios.CheckMLeak, "mleak", Run.completed, CheckMLeak},
	{scenarios.CheckMKept, "mkept", Run.completed, CheckMKept},
	{scenarios.CheckMainCost, "maincost", Run.completed, CheckMainCost},
	{scenarios.CheckPthreadKeys, "pthreadkeys", Run.completed, CheckPthreadKeys},
	{scenarios.CheckExtraInC, "extrainc", Run.completed, CheckExtraInC},
}

// Judge decides the verdict of a run of scenario sc in a cell whose
// expectation is exp.
func Judge(sc *scenarios.Scenario, exp scenarios.Expectation, set *scenarios.Set, run Run) Result {
	res := Result{Bounds: SummarizeBounds(run.Output.Calls)}
	var failed []string
	if len(exp.Bounds) > 0 {
		c := CheckExpectedBounds(exp.Bounds, res.Bounds)
		res.Checks = append(res.Checks, c)
		if !c.Passed {
			failed = append(failed, "bounds-class")
		}
	}

	for _, ch := range checks {
		if !sc.HasCheck(ch.name) || !ch.applies(run) {
			continue
		}
		c := ch.run(run.Output)
		res.Checks = append(res.Checks, c)
		if !c.Passed {
			failed = append(failed, ch.symptom)
		}
	}

	var problem string
	switch {
	case run.Exit.TimedOut:
		problem = "host hung and was killed after " + sc.Timeout.String()
		failed = append(failed, "hang")
	case run.Exit.Code != 0:
		problem = "host " + run.Exit.String()
		if !run.Output.ReachedGo() {
			problem += " before its first call into Go returned"
		}
		if line := FirstFatalLine(run.Stderr); line != "" {
			problem += ": " + line
		}
	case run.Output.End == nil:
		problem = "host exited 0 without its end record"
	}

	clean := problem == "" && len(failed) == 0
	if exp.Outcome == scenarios.OutcomeFail {
		switch {
		case SignatureMatches(*exp.Signature, run, failed):
			res.Verdict = ExpectedFailure
			res.Reason = describe(problem, failed, res.Checks)
		case clean:
			res.Verdict = NotReproduced
			res.Reason = "expected a failure (" + exp.Reason + "), but the cell passed"
		default:
			res.Verdict = Fail
			res.Reason = "expected a failure of another signature: " + describe(problem, failed, res.Checks)
		}
		return res
	}
	if exp.Outcome == scenarios.OutcomeKnownIssue {
		ki := set.KnownIssue(exp.Issue)
		res.KnownIssue = exp.Issue
		switch {
		case ki != nil && SignatureMatches(ki.Signature, run, failed):
			res.Verdict = KnownIssue
			res.Reason = fmt.Sprintf("%s (%s): %s", ki.ID, ki.Link, describe(problem, failed, res.Checks))
		case clean:
			res.Verdict = NotReproduced
			res.Reason = fmt.Sprintf("expected %s, but the cell passed: fixed upstream, or the lab lost its detector", exp.Issue)
		default:
			res.Verdict = Fail
			res.Reason = fmt.Sprintf("expected %s, but its signature did not match: %s", exp.Issue, describe(problem, failed, res.Checks))
		}
		return res
	}

	if clean {
		res.Verdict = Pass
		res.Reason = describe("", nil, res.Checks)
		return res
	}
	res.Verdict = Fail
	res.Reason = describe(problem, failed, res.Checks)
	for _, ki := range set.KnownIssues {
		if SignatureMatches(ki.Signature, run, failed) {
			res.Reason += fmt.Sprintf(" (matches the signature of %s, %s)", ki.ID, ki.Link)
			break
		}
	}
	return res
}

func describe(problem string, failed []string, checks []Check) string {
	var parts []string
	if problem != "" {
		parts = append(parts, problem)
	}
	for _, c := range checks {
		state := "passed"
		if !c.Passed {
			state = "FAILED"
		}
		parts = append(parts, fmt.Sprintf("%s %s (%s)", c.Name, state, c.Detail))
	}
	if len(parts) == 0 {
		return "completed"
	}
	return strings.Join(parts, "; ")
}

// SignatureMatches reports whether every field set in sig matches run.
// failed lists the failed checks and symptoms ("bounds-unsafe", "mleak",
// "hang").
func SignatureMatches(sig scenarios.Signature, run Run, failed []string) bool {
	if len(sig.AnyOf) > 0 {
		any := false
		for _, alt := range sig.AnyOf {
			any = any || SignatureMatches(alt, run, failed)
		}
		if !any {
			return false
		}
	}
	if sig.Signal != "" && run.Exit.Signal != sig.Signal {
		return false
	}
	if sig.BeforeGo && run.Output.ReachedGo() {
		return false
	}
	if sig.Stderr != "" {
		re, err := regexp.Compile(sig.Stderr)
		if err != nil || !re.Match(run.Stderr) {
			return false
		}
	}
	if sig.Verdict != "" {
		found := false
		for _, f := range failed {
			found = found || f == sig.Verdict
		}
		if !found {
			return false
		}
	}
	return true
}

var fatalLine = regexp.MustCompile(`(?m)^(fatal error: .*|fatal: .*|panic: .*|runtime: .*|SIGSEGV: .*|signal .*|cgohostlab host: .*)$`)

// FirstFatalLine returns the first line of stderr that states a Go fatal
// error or a failed check of the host, or "".
func FirstFatalLine(stderr []byte) string {
	return string(fatalLine.Find(stderr))
}
