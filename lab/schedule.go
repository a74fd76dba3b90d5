package lab

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/cgohostlab/cgohostlab/lab/judge"
	"github.com/cgohostlab/cgohostlab/lab/report"
)

// Quiet lets benchmark cells run alone. Every build and every other cell
// holds it shared. A cell of a benchmark scenario holds it exclusively, so
// no container of the lab builds or runs anything while it measures. A
// waiting exclusive holder blocks new shared holders (sync.RWMutex), so
// benchmarks are not starved.
//
// NOTE: Quiet covers this process only. Another lab run or other load on
// the same machine still disturbs the measurement.
type Quiet struct {
	mu sync.RWMutex
}

// Shared runs fn while no benchmark runs.
func (q *Quiet) Shared(fn func()) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	fn()
}

// Exclusive runs fn while nothing else of the lab runs.
func (q *Quiet) Exclusive(fn func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	fn()
}

// ParallelGroups returns the number of groups (image, toolchain,
// variant) to run at once: value, or CGOHOSTLAB_PARALLEL_CELLS when value
// is empty, or runtime.NumCPU() when both are empty.
func ParallelGroups(value string) (int, error) {
	source := "-parallel-cells"
	if value == "" {
		value, source = os.Getenv("CGOHOSTLAB_PARALLEL_CELLS"), "CGOHOSTLAB_PARALLEL_CELLS"
	}
	if value == "" {
		return runtime.NumCPU(), nil
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("invalid %s %q: want a positive number of groups to run at once, such as 1 for one at a time", source, value)
	}
	return n, nil
}

// Progress writes one line per finished cell and a final summary line.
// go test holds a test binary's output until the package ends unless it
// runs with -v, so Progress also appends each line to a file that
// `tail -f` can follow.
type Progress struct {
	mu    sync.Mutex
	w     io.Writer
	total int
	done  int
	start time.Time
}

// NewProgress returns a Progress for total cells that writes to w.
func NewProgress(w io.Writer, total int) *Progress {
	return &Progress{w: w, total: total, start: time.Now()}
}

// Cell writes the line of a finished cell, such as
// "cgohostlab: [3/43] glibc/go1.19/stock/churn: pass (1.2s, 25s elapsed)".
func (p *Progress) Cell(c *report.Cell) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	fmt.Fprintf(p.w, "cgohostlab: [%d/%d] %s: %s (%s, %s elapsed)\n", p.done, p.total, c.Name, c.Verdict,
		c.Duration.Round(100*time.Millisecond), time.Since(p.start).Round(time.Second))
}

// Summary writes the final line with the count of cells per verdict.
func (p *Progress) Summary(r *report.Report, dir string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := r.Counts()
	bad := n[judge.Fail] + n[judge.NotReproduced] + n[judge.Error]
	state := "ok"
	if bad > 0 {
		state = "FAIL"
	}
	fmt.Fprintf(p.w, "cgohostlab: %s: %s in %s; report in %s\n", state, r.Summary(), time.Since(p.start).Round(time.Second), dir)
}
