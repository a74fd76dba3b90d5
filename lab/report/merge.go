package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Read reads a report.json, or the report.json in path when path is a
// report directory.
func Read(path string) (*Report, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, "report.json")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := &Report{}
	if err := json.Unmarshal(data, r); err != nil {
		return nil, fmt.Errorf("%s is not a cgohostlab report.json: %w", path, err)
	}
	return r, nil
}

// Merge joins the reports of the shards of one matrix, read from paths,
// into one report. The shards must share their filter and shard count,
// and no cell may appear twice. Cells of the selection that no shard
// holds are listed in Missing; cells a shard planned but did not finish
// stay in Unfinished.
func Merge(paths []string) (*Report, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("merge needs at least one report.json")
	}
	m := &Report{}
	var catalogue []KnownIssue
	seenIssue := map[string]bool{}
	owner := map[string]string{} // cell name -> report that holds it
	shardOf := map[string]string{}
	selection := map[string]bool{}
	var first string
	seenPath := map[string]bool{}
	for i, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			if seenPath[abs] {
				return nil, fmt.Errorf("%s is given twice: pass each shard's report once", p)
			}
			seenPath[abs] = true
		}

		r, err := Read(p)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			first = p
			m.Started, m.Filter, m.Short = r.Started, r.Filter, r.Short
		} else if r.Filter != m.Filter || r.Short != m.Short {
			return nil, fmt.Errorf("%s and %s come from different matrices (filter %q, short %v and filter %q, short %v): merge only the shards of one run",
				first, p, m.Filter, m.Short, r.Filter, r.Short)
		}

		if r.Shard != "" {
			if other, ok := shardOf[r.Shard]; ok {
				return nil, fmt.Errorf("%s and %s are both shard %s", other, p, r.Shard)
			}
			shardOf[r.Shard] = p
		}

		if r.Started.Before(m.Started) {
			m.Started = r.Started
		}
		m.Duration = max(m.Duration, r.Duration)
		if r.Engine != "" && !slices.Contains(strings.Split(m.Engine, ", "), r.Engine) {
			m.Engine = strings.TrimPrefix(m.Engine+", "+r.Engine, ", ")
		}
		if r.Interrupted != "" {
			m.Interrupted = strings.TrimPrefix(m.Interrupted+"; "+p+": "+r.Interrupted, "; ")
		}

		for _, name := range r.Selection {
			if !selection[name] {
				selection[name] = true
				m.Selection = append(m.Selection, name)
			}
		}
		m.Planned = append(m.Planned, r.Planned...)
		for _, n := range r.NotApplicable {
			if !slices.Contains(m.NotApplicable, n) {
				m.NotApplicable = append(m.NotApplicable, n)
			}
		}

		for _, c := range r.Cells {
			if other, ok := owner[c.Name]; ok {
				return nil, fmt.Errorf("cell %s is in both %s and %s: the reports overlap, so they are not shards of one run", c.Name, other, p)
			}
			owner[c.Name] = p
			m.Cells = append(m.Cells, c)
		}

		for _, tc := range r.Toolchains {
			m.AddToolchain(tc)
		}
		for _, im := range r.Images {
			m.AddImage(im)
		}
		for _, v := range r.Variants {
			m.AddVariant(v)
		}
		for _, k := range r.KnownIssues {
			if !seenIssue[k.ID] {
				seenIssue[k.ID] = true
				catalogue = append(catalogue, KnownIssue{ID: k.ID, Link: k.Link, Title: k.Title})
			}
		}
		if m.Patch == nil {
			m.Patch = r.Patch // shards of one run have one patch, or none
		}
		m.MergedFrom = append(m.MergedFrom, p)
	}
	planned := map[string]bool{}
	for _, name := range m.Planned {
		planned[name] = true
	}
	for _, name := range m.Selection {
		if _, ok := owner[name]; !ok && !planned[name] {
			m.Missing = append(m.Missing, name)
		}
	}
	m.finish(catalogue)
	return m, nil
}
