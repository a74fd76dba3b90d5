package report

import (
	"regexp"
	"slices"
	"strings"

	"github.com/cgohostlab/cgohostlab/lab/judge"
)

// boundsKinds are the thread kinds of the bounds host, the columns of the
// bounds-correctness table.
var boundsKinds = []string{"main", "pthread-default", "pthread-256k", "pthread-8m", "setstack-1m", "pthread-min", "main-1m", "main-unlimited"}

// boundsScenarios are the scenarios whose cells fill the table.
var boundsScenarios = []string{"bounds", "bounds-1m", "bounds-unlimited"}

// boundsDeepest is the deepest call of the bounds host.
const boundsDeepest = 400 * 1024

// boundsRow is one image, toolchain and variant of the table.
type boundsRow struct {
	group   string
	entries map[string]string // by thread kind
	died    []string          // "scenario: first line of the fatal error"
	verdict map[string]string // by scenario, including deepstack
}

// boundsTable renders the bounds-correctness table, or "" when no cell of
// the bounds scenarios ran. The caller holds r.mu.
func (r *Report) boundsTable() string {
	rows := map[string]*boundsRow{}
	for _, c := range r.Cells {
		if !slices.Contains(boundsScenarios, c.Scenario) && c.Scenario != "deepstack" {
			continue
		}
		group := c.Image + "/" + c.Toolchain + "/" + c.Variant
		row := rows[group]
		if row == nil {
			row = &boundsRow{group: group, entries: map[string]string{}, verdict: map[string]string{}}
			rows[group] = row
		}
		row.verdict[c.Scenario] = string(c.Verdict)
		if !slices.Contains(boundsScenarios, c.Scenario) {
			continue
		}
		died := c.Exit != nil && (c.Exit.Signal != "" || c.Exit.Code != 0)
		for _, kb := range c.Bounds {
			row.entries[kb.Kind] = boundsEntry(kb, deepestCall(c.Records, kb.Kind), died || skipped(c.Records, kb.Kind))
		}
		if died {
			row.died = append(row.died, c.Scenario+": "+fatalText(c.Stderr, c.Exit))
		}
	}
	var groups []string
	for g, row := range rows {
		if len(row.entries) > 0 || len(row.died) > 0 {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		return ""
	}
	// Part by part, so that darwinlike/... comes before darwinlike-trixie/...
	slices.SortFunc(groups, func(x, y string) int {
		return slices.Compare(strings.Split(x, "/"), strings.Split(y, "/"))
	})

	var b strings.Builder
	b.WriteString("\n## Bounds correctness\n\n")
	b.WriteString("How the g0 bounds that the runtime held (read by the probe) relate to each thread's true stack, " +
		"from the bounds scenarios (main-1m and main-unlimited: the main thread under `ulimit -s 1024` and `ulimit -s unlimited`): calls from the entry frame and from 40 KiB and 400 KiB deep, " +
		"with a GC on g0. Each entry is the worst call of the kind: exact, conservative (accurate bounds inside the stack), " +
		"estimate (the runtime guessed from SP) or unsafe (the lower bound lies below the stack, by the bytes shown). " +
		"\"to N\" gives the deepest call that returned when deeper calls did not fit or the host died, and \"entry frame only\" says that only the shallow call did. " +
		"- means the kind did not run. The last columns are the verdicts of the bounds scenarios and deepstack.\n\n")
	b.WriteString("| image/toolchain/variant | " + strings.Join(boundsKinds, " | ") + " | " + strings.Join(boundsScenarios, " | ") + " | deepstack | host died |\n")
	b.WriteString("|---" + strings.Repeat("|---", len(boundsKinds)+len(boundsScenarios)+2) + "|\n")
	for _, g := range groups {
		row := rows[g]
		cells := []string{g}
		for _, k := range boundsKinds {
			cells = append(cells, orDash(row.entries[k]))
		}
		for _, sc := range append(slices.Clone(boundsScenarios), "deepstack") {
			cells = append(cells, orDash(row.verdict[sc]))
		}
		cells = append(cells, orDash(strings.Join(row.died, "; ")))
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return b.String()
}

// boundsEntry renders a kind's class and, when cut short, the deepest
// call that returned.
func boundsEntry(kb judge.KindBounds, deepest uint64, cut bool) string {
	entry := string(kb.Class)
	if kb.Class == judge.Unsafe {
		entry = "**unsafe by " + size(kb.UnsafeBy) + "**"
		if kb.UnsafeBy == 0 {
			entry = "**unsafe: bounds exclude SP**"
		}
	}
	switch {
	case cut && deepest == 0:
		entry += ", entry frame only"
	case cut && deepest < boundsDeepest:
		entry += " to " + size(deepest)
	}
	return entry
}

// deepestCall returns the largest depth of kind's call records.
func deepestCall(recs []judge.Record, kind string) uint64 {
	var deepest uint64
	for _, r := range recs {
		if r.Rec == "call" && r.Kind == kind {
			deepest = max(deepest, r.Depth)
		}
	}
	return deepest
}

// skipped reports whether the host skipped a call of kind.
func skipped(recs []judge.Record, kind string) bool {
	return slices.ContainsFunc(recs, func(r judge.Record) bool { return r.Rec == "skip" && r.Kind == kind })
}

var hexAddress = regexp.MustCompile(`0x[0-9a-f]{5,}`)

// fatalText returns the Go runtime's fatal error line from stderr, or the
// exit status.
func fatalText(stderr string, exit *judge.Exit) string {
	if line := strings.TrimSpace(judge.FirstFatalLine([]byte(stderr))); line != "" {
		// Addresses differ from run to run and make the column wide; the
		// cell's full stderr is further down the report.
		line = hexAddress.ReplaceAllString(line, "0x…")
		return "`" + strings.ReplaceAll(line, "|", `\|`) + "`"
	}
	return exit.String()
}
