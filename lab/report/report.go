// Package report holds the results of a lab run and writes them as
// report.json (every cell with every record) and report.md (a Markdown
// matrix for people and CI step summaries). A crashed host's stderr is
// kept whole in both.
package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/cgohostlab/cgohostlab/lab/judge"
	"github.com/cgohostlab/cgohostlab/lab/matrix"
	"github.com/cgohostlab/cgohostlab/scenarios"
)

// Report is one lab run.
type Report struct {
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	Engine   string        `json:"engine"`
	// Filter describes the selection without the shard; shards of one
	// matrix share it.
	Filter string `json:"filter"`
	Short  bool   `json:"short"`
	// Shard is "i/n" for one slice of a sharded matrix.
	Shard string `json:"shard,omitempty"`
	// Selection names every cell of the filter's matrix, all shards
	// together; Planned names the cells of this run (its shard).
	Selection []string `json:"selection,omitempty"`
	Planned   []string `json:"planned,omitempty"`
	// Interrupted is set when the run ended before every cell ran, and
	// Unfinished names the planned cells that have no result.
	Interrupted string   `json:"interrupted,omitempty"`
	Unfinished  []string `json:"unfinished,omitempty"`
	// MergedFrom names the shard reports of a merged report, and Missing
	// the cells of the selection that no shard report holds.
	MergedFrom []string `json:"merged_from,omitempty"`
	Missing    []string `json:"missing,omitempty"`

	// NotApplicable lists the toolchains that images of the selection
	// never run, with the reason.
	NotApplicable []matrix.NotApplicable `json:"not_applicable,omitempty"`

	Toolchains  []Toolchain  `json:"toolchains"`
	Images      []Image      `json:"images"`
	Variants    []Variant    `json:"variants"`
	KnownIssues []KnownIssue `json:"known_issues"`
	Mutations   []Mutation   `json:"mutations"`
	// Patch is the patch of a patch trial; Comparisons sets each patched
	// cell beside its unpatched twin.
	Patch       *Patch       `json:"patch,omitempty"`
	Comparisons []Comparison `json:"comparisons,omitempty"`
	// AcrossToolchains follows each scenario over the toolchains.
	AcrossToolchains []ToolchainSeries `json:"across_toolchains,omitempty"`
	Cells            []*Cell           `json:"cells"`

	mu sync.Mutex
}

// Toolchain is a toolchain as one image ran it.
type Toolchain struct {
	Name    string `json:"name"`
	Image   string `json:"image"`
	Version string `json:"version"` // `go version` in the container
}

// Image is a lab image used in the run.
type Image struct {
	Name string `json:"name"`
	Tag  string `json:"tag"`
	Libc string `json:"libc"`
	CC   string `json:"cc"`
	// Arch is the hosts' GOARCH. RunTag is the root filesystem that runs
	// them when it is not Tag, and Emulated is set when qemu-user does.
	Arch     string `json:"arch"`
	RunTag   string `json:"run_tag,omitempty"`
	Emulated bool   `json:"emulated,omitempty"`
	// Binaries maps host name to its ELF program interpreter or "static".
	Binaries map[string]string `json:"binaries,omitempty"`
}

// Variant is a runtime variant used in the run.
type Variant struct {
	Name       string `json:"name"`
	Summary    string `json:"summary"`
	Workaround bool   `json:"workaround"`
}

// KnownIssue is a catalogue entry and what the run saw of it.
type KnownIssue struct {
	ID    string `json:"id"`
	Link  string `json:"link"`
	Title string `json:"title"`
	// State is "reproduced", "not reproduced" (expected in a cell that
	// passed or failed otherwise) or "not applicable" (no cell expected it).
	State        string   `json:"state"`
	Reproduced   []string `json:"reproduced,omitempty"`
	NotSeenWhere []string `json:"not_reproduced,omitempty"`
}

// Mutation is one cell of a regression injection: whether the scenario
// that must catch the injected bug did.
type Mutation struct {
	Injection string `json:"injection"`
	Bug       string `json:"bug,omitempty"` // known issue id the injection brings back
	Scenario  string `json:"scenario"`
	Cell      string `json:"cell"`
	Caught    bool   `json:"caught"`
	Verdict   string `json:"verdict"`
}

// Cell is one judged cell.
type Cell struct {
	Name      string `json:"name"`
	Image     string `json:"image"`
	Toolchain string `json:"toolchain"`
	Variant   string `json:"variant"`
	Scenario  string `json:"scenario"`

	judge.Result
	Expected string `json:"expected"` // "pass", a known issue id, or "fail (signature)"
	// ExpectedReason and ExpectedSource are the expectation's reason and
	// source, for a cell that is not expected to pass.
	ExpectedReason string `json:"expected_reason,omitempty"`
	ExpectedSource string `json:"expected_source,omitempty"`
	// Injection is the regression injection in the cell's variant, if any.
	Injection    string `json:"injection,omitempty"`
	InjectionBug string `json:"injection_bug,omitempty"`
	// Patch is the name of the patch applied in the cell, if any.
	Patch string `json:"patch,omitempty"`

	Command  []string       `json:"command,omitempty"`
	Exit     *judge.Exit    `json:"exit,omitempty"`
	Duration time.Duration  `json:"duration_ns"`
	Counters []judge.Record `json:"counters,omitempty"`
	Records  []judge.Record `json:"records,omitempty"`
	// Benches summarizes the bench records per kind.
	Benches []judge.BenchStat `json:"benches,omitempty"`
	// Malformed holds stdout lines that were not records.
	Malformed []string `json:"malformed,omitempty"`
	Stderr    string   `json:"stderr"`
	// BuildLog is kept for cells whose group failed to build.
	BuildLog string `json:"build_log,omitempty"`
}

// Add records a cell; safe for concurrent use.
func (r *Report) Add(c *Cell) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Cells = append(r.Cells, c)
}

// AddToolchain records a toolchain version once per (name, image).
func (r *Report) AddToolchain(tc Toolchain) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.Toolchains {
		if t.Name == tc.Name && t.Image == tc.Image {
			return
		}
	}
	r.Toolchains = append(r.Toolchains, tc)
}

// AddImage records an image, merging host binaries of repeated calls.
func (r *Report) AddImage(im Image) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.Images {
		if r.Images[i].Name == im.Name {
			if r.Images[i].Binaries == nil {
				r.Images[i].Binaries = map[string]string{}
			}
			for k, v := range im.Binaries {
				r.Images[i].Binaries[k] = v
			}
			return
		}
	}
	r.Images = append(r.Images, im)
}

// AddVariant records a variant once.
func (r *Report) AddVariant(v Variant) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.Variants {
		if x.Name == v.Name {
			return
		}
	}
	r.Variants = append(r.Variants, v)
}

// Finish sorts the cells, lists the planned cells without a result and
// fills the known-issue and mutation sections from the cells.
func (r *Report) Finish(set *scenarios.Set) {
	var catalogue []KnownIssue
	for _, ki := range set.KnownIssues {
		catalogue = append(catalogue, KnownIssue{ID: ki.ID, Link: ki.Link, Title: ki.Title})
	}
	r.finish(catalogue)
}

func (r *Report) finish(catalogue []KnownIssue) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sort.SliceStable(r.Cells, func(i, j int) bool { return r.Cells[i].Name < r.Cells[j].Name })
	done := map[string]bool{}
	for _, c := range r.Cells {
		done[c.Name] = true
	}
	r.Unfinished = nil
	for _, name := range r.Planned {
		if !done[name] {
			r.Unfinished = append(r.Unfinished, name)
		}
	}
	r.KnownIssues = nil
	for _, ki := range catalogue {
		k := KnownIssue{ID: ki.ID, Link: ki.Link, Title: ki.Title}
		for _, c := range r.Cells {
			// A patched cell keeps its unpatched twin's expectation, which
			// the patch may be meant to change.
			if c.Expected != ki.ID || c.Patch != "" {
				continue
			}
			if c.Verdict == judge.KnownIssue {
				k.Reproduced = append(k.Reproduced, c.Name)
			} else {
				k.NotSeenWhere = append(k.NotSeenWhere, c.Name)
			}
		}
		switch {
		case len(k.NotSeenWhere) > 0:
			k.State = "not reproduced"
		case len(k.Reproduced) > 0:
			k.State = "reproduced"
		default:
			k.State = "not applicable"
		}
		r.KnownIssues = append(r.KnownIssues, k)
	}

	r.Comparisons = compare(r.Cells)
	r.AcrossToolchains = toolchainSeries(r.Cells)

	r.Mutations = nil
	for _, c := range r.Cells {
		if c.Injection == "" {
			continue
		}
		r.Mutations = append(r.Mutations, Mutation{
			Injection: c.Injection,
			Bug:       c.InjectionBug,
			Scenario:  c.Scenario,
			Cell:      c.Name,
			Caught:    c.Verdict == judge.KnownIssue || c.Verdict == judge.ExpectedFailure,
			Verdict:   string(c.Verdict),
		})
	}
}

// Counts returns the number of cells per verdict.
func (r *Report) Counts() map[judge.Verdict]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := map[judge.Verdict]int{}
	for _, c := range r.Cells {
		n[c.Verdict]++
	}
	return n
}

// Write writes report.json and report.md into dir.
func (r *Report) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create report directory: %w", err)
	}
	r.mu.Lock()
	data, err := json.MarshalIndent(r, "", "  ")
	r.mu.Unlock()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), data, 0o644); err != nil {
		return err
	}
	if err := r.writeExtras(dir); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(r.Markdown()), 0o644)
}
