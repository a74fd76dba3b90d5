package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cgohostlab/cgohostlab/lab/judge"
	"github.com/cgohostlab/cgohostlab/lab/matrix"
)

var verdictOrder = []judge.Verdict{judge.Pass, judge.KnownIssue, judge.ExpectedFailure, judge.NotReproduced, judge.Fail, judge.Error, judge.PatchNotApplied}

// Summary returns the one-line count of cells per verdict.
func (r *Report) Summary() string {
	n := r.Counts()
	total := 0
	var parts []string
	for _, v := range verdictOrder {
		total += n[v]
		if v == judge.PatchNotApplied && n[v] == 0 {
			continue // only patch trials have such cells
		}
		parts = append(parts, fmt.Sprintf("%d %s", n[v], v))
	}
	if len(r.Unfinished) > 0 {
		parts = append(parts, fmt.Sprintf("%d unfinished", len(r.Unfinished)))
	}
	return fmt.Sprintf("%d cells: %s", total, strings.Join(parts, ", "))
}

// Markdown renders the report.
func (r *Report) Markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# cgohostlab report\n\n")
	w("Started %s, took %s, Docker engine %s.", r.Started.UTC().Format("2006-01-02 15:04 MST"), r.Duration.Round(time.Second), r.Engine)
	if r.Filter != "" {
		w(" Filter: `%s`.", r.Filter)
	}
	if r.Short {
		w(" Smoke set (`-short`).")
	}
	w("\n\n**%s.**\n\n", r.Summary())
	if r.Shard != "" {
		w("Shard %s of the matrix: %d of its %d cells.\n\n", r.Shard, len(r.Planned), len(r.Selection))
	}
	if len(r.MergedFrom) > 0 {
		w("Merged from %d shard reports: %s.\n\n", len(r.MergedFrom), strings.Join(r.MergedFrom, ", "))
	}
	if h := r.lockedHeadline(); h != "" {
		w("%s\n\n", h)
	}
	if r.Interrupted != "" {
		w("**The run was interrupted: %s.**\n\n", r.Interrupted)
	}
	if len(r.Unfinished) > 0 {
		w("**%d cells did not finish and have no verdict:** %s\n\n", len(r.Unfinished), strings.Join(r.Unfinished, ", "))
	}
	if len(r.Missing) > 0 {
		w("**%d cells of the selection are missing from every shard report:** %s\n\n", len(r.Missing), strings.Join(r.Missing, ", "))
	}

	r.mu.Lock()
	defer r.mu.Unlock()

	w("## Matrix\n\n")
	w("Cells are image/toolchain/variant/scenario. Bounds counts thread kinds by the worst class of their calls. " +
		"Ms created is the runtime's count at each of the host's counter points. pthread ns/call is the median callback cost from a pthread (callbackcost). " +
		"An arch marked emulated ran under qemu-user: compare its costs only with other emulated cells, never with native ones.\n\n")
	w("| cell | arch | verdict | expected | bounds | Ms created | extra Ms in use | pthread ns/call | time |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range r.Cells {
		w("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c.Name, r.archOf(c.Image), c.Verdict, c.Expected, boundsSummary(c.Bounds),
			counterSeries(c.Counters, func(r judge.Record) *uint64 { return r.MsCreated }),
			counterSeries(c.Counters, func(r judge.Record) *uint64 { return r.ExtraInUse }),
			pthreadCost(c), cellTime(c.Duration))
	}

	w("%s", notApplicableMarkdown(r.NotApplicable))

	if len(r.KnownIssues) > 0 {
		w("\n## Known issues\n")
		var none []string
		header := false
		for _, k := range r.KnownIssues {
			if k.State == "not applicable" {
				none = append(none, fmt.Sprintf("[%s](%s)", k.ID, k.Link))
				continue
			}
			if !header {
				w("\n| issue | title | state | cells |\n|---|---|---|---|\n")
				header = true
			}
			cells := strings.Join(k.Reproduced, ", ")
			if len(k.NotSeenWhere) > 0 {
				cells = "**not reproduced in " + strings.Join(k.NotSeenWhere, ", ") + "**"
				if len(k.Reproduced) > 0 {
					cells += "; reproduced in " + strings.Join(k.Reproduced, ", ")
				}
			}
			w("| [%s](%s) | %s | %s | %s |\n", k.ID, k.Link, k.Title, k.State, cells)
		}
		if len(none) > 0 {
			w("\nNo cell of this run expects the other known issues: %s.\n", strings.Join(none, ", "))
		}
	}

	if len(r.Mutations) > 0 {
		w("\n## Mutation table\n\nEach regression injection brings a bug back into the runtime; the scenario named must catch it.\n\n")
		w("| injection | brings back | scenario | cell | caught |\n|---|---|---|---|---|\n")
		for _, m := range r.Mutations {
			caught := "caught"
			if !m.Caught {
				caught = "**missed** (" + m.Verdict + ")"
			}
			w("| %s | %s | %s | %s | %s |\n", m.Injection, orDash(m.Bug), m.Scenario, m.Cell, caught)
		}
	}

	if bench := r.benchRows(); len(bench) > 0 {
		r.writeCallbackCost(w, bench)
	}

	r.comparisonMarkdown(w)
	r.toolchainMarkdown(w)

	w("\n## Runtime variants\n\n")
	for _, v := range r.Variants {
		kind := "variant"
		if v.Workaround {
			kind = "lab workaround"
		}
		w("- `%s` (%s): %s\n", v.Name, kind, v.Summary)
	}

	w("%s", r.boundsTable())

	w("\n## Bounds by thread kind\n\n")
	w("exact: the g0 bounds are the true stack. conservative: accurate bounds inside it. " +
		"estimate: the runtime guessed [SP-32 KiB, SP+1 KiB). unsafe: the lower bound lies below the true stack. " +
		"True bounds come from the host's own stack buffer (buffer), the C library (libc), /proc/self/maps and RLIMIT_STACK (maps), or the C library's answer in the parent process before a fork (parent).\n\n")
	if charts := r.boundsCharts(); len(charts) > 0 {
		w("Charts by thread kind:")
		for _, ch := range charts {
			w(" [%s](%s)", ch.Title, ch.File)
		}
		w("\n\n")
	}
	w("| cell | thread | class | g0 size | true size | truth | calls |\n|---|---|---|---|---|---|---|\n")
	for _, c := range r.Cells {
		for _, kb := range c.Bounds {
			class := string(kb.Class)
			if kb.Class == judge.Unsafe {
				class = fmt.Sprintf("**unsafe by %d bytes**", kb.UnsafeBy)
			}
			w("| %s | %s | %s | %s | %s | %s | %d |\n", c.Name, kb.Kind, class, size(kb.Size), size(kb.TrueSize), kb.Truth, kb.Calls)
		}
	}

	w("%s", notesMarkdown(r.Cells))

	w("\n## Images, toolchains and host binaries\n\n| image | arch | C library | C compiler | tag | hosts run in |\n|---|---|---|---|---|---|\n")
	for _, im := range r.Images {
		w("| %s | %s | %s | %s | `%s` | `%s` |\n", im.Name, r.archOf(im.Name), im.Libc, im.CC, im.Tag, orDefault(im.RunTag, im.Tag))
	}
	w("\n| toolchain | image | go version |\n|---|---|---|\n")
	for _, tc := range r.Toolchains {
		w("| %s | %s | %s |\n", tc.Name, tc.Image, tc.Version)
	}
	w("\n| image | host | program interpreter |\n|---|---|---|\n")
	for _, im := range r.Images {
		var hosts []string
		for h := range im.Binaries {
			hosts = append(hosts, h)
		}
		sort.Strings(hosts)
		for _, h := range hosts {
			w("| %s | %s | `%s` |\n", im.Name, h, im.Binaries[h])
		}
	}

	w("\n## Cells that did not pass\n")
	any := false
	for _, c := range r.Cells {
		if c.Verdict == judge.Pass {
			continue
		}
		any = true
		if c.Verdict == judge.PatchNotApplied {
			// The reason ends with the rejected hunk, whose lines start
			// with + and -, which Markdown would render as lists.
			w("\n### %s: %s\n\n```\n%s\n```\n\n", c.Name, c.Verdict, c.Reason)
			continue
		}
		w("\n### %s: %s\n\n%s\n\n", c.Name, c.Verdict, c.Reason)
		if c.ExpectedReason != "" {
			w("Expected %s because: %s", c.Expected, c.ExpectedReason)
			if c.ExpectedSource != "" {
				w(" Source: %s", c.ExpectedSource)
			}
			w("\n\n")
		}
		if c.Exit != nil {
			w("Exit: %s. Command: `%s`.\n\n", c.Exit, shellQuote(c.Command))
		}
		for _, ch := range c.Checks {
			w("- check %s: passed=%v: %s\n", ch.Name, ch.Passed, ch.Detail)
		}
		if c.BuildLog != "" {
			w("\n<details><summary>build log</summary>\n\n```\n%s\n```\n\n</details>\n", c.BuildLog)
		}
		w("\n<details><summary>stderr (%d bytes)</summary>\n\n```\n%s\n```\n\n</details>\n", len(c.Stderr), c.Stderr)
		if len(c.Malformed) > 0 {
			w("\nstdout lines that were not records:\n\n```\n%s\n```\n", strings.Join(c.Malformed, "\n"))
		}
	}
	if !any {
		w("\nNone.\n")
	}
	return b.String()
}

// notApplicableMarkdown lists the toolchains that images of the run never
// run, one line for each toolchain and reason.
func notApplicableMarkdown(na []matrix.NotApplicable) string {
	type key struct{ toolchain, reason string }
	var keys []key
	images := map[key][]string{}
	for _, n := range na {
		k := key{n.Toolchain, n.Reason}
		if images[k] == nil {
			keys = append(keys, k)
		}
		images[k] = append(images[k], n.Image)
	}
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n**Not applicable:** %s on %s: %s.\n", k.toolchain, strings.Join(images[k], ", "), k.reason)
	}
	return b.String()
}

// cellTime rounds a cell's time to milliseconds below a second and to
// tenths of a second above, so that a fast cell does not read as 0s.
func cellTime(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func boundsSummary(kbs []judge.KindBounds) string {
	if len(kbs) == 0 {
		return "-"
	}
	n := map[judge.BoundsClass]int{}
	for _, kb := range kbs {
		n[kb.Class]++
	}
	var parts []string
	for _, cl := range []judge.BoundsClass{judge.Unsafe, judge.Estimate, judge.Conservative, judge.Exact} {
		if n[cl] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[cl], cl))
		}
	}
	return strings.Join(parts, ", ")
}

func counterSeries(recs []judge.Record, field func(judge.Record) *uint64) string {
	if len(recs) == 0 {
		return "-"
	}
	var parts []string
	for _, r := range recs {
		if v := field(r); v != nil {
			parts = append(parts, fmt.Sprint(*v))
		} else {
			parts = append(parts, "not available")
		}
	}
	return strings.Join(parts, " → ")
}

func size(n uint64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

// shellQuote renders a command line as a shell would need it typed.
func shellQuote(args []string) string {
	var parts []string
	for _, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+", r)
		}) < 0 {
			parts = append(parts, a)
			continue
		}
		parts = append(parts, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	return strings.Join(parts, " ")
}

// archOf returns the GOARCH of the named image's hosts, marked
// "(emulated)" when qemu-user ran them; the caller holds r.mu.
func (r *Report) archOf(image string) string {
	for _, im := range r.Images {
		if im.Name != image {
			continue
		}
		if im.Emulated {
			return orDash(im.Arch) + " (emulated)"
		}
		return orDash(im.Arch)
	}
	return "-"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
