package matrix

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Shard is one slice of a run: part Index of Count, counted from 1.
type Shard struct {
	Index, Count int
}

// ParseShard parses "i/n" with 1 <= i <= n. An empty string is the whole
// run (1/1).
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{1, 1}, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return Shard{}, fmt.Errorf("invalid shard %q: want i/n with 1 <= i <= n, such as 1/4", s)
	}
	return Shard{i, n}, nil
}

// Select returns the cells of shard sh. The cells of one group (image,
// toolchain, variant) share a container and a build, so a group is never
// split. Groups go, heaviest first, to the shard with the fewest cells so
// far (the lowest index on a tie), which is deterministic for a given
// list of cells and keeps shards within one group's size of each other.
func (sh Shard) Select(cells []Cell) []Cell {
	if sh.Count <= 1 {
		return cells
	}
	size := map[string]int{}
	var groups []string
	for _, c := range cells {
		if size[c.Group()] == 0 {
			groups = append(groups, c.Group())
		}
		size[c.Group()]++
	}
	sort.SliceStable(groups, func(a, b int) bool {
		if size[groups[a]] != size[groups[b]] {
			return size[groups[a]] > size[groups[b]]
		}
		return groups[a] < groups[b]
	})
	load := make([]int, sh.Count)
	owner := map[string]int{}
	for _, g := range groups {
		least := 0
		for i := range load {
			if load[i] < load[least] {
				least = i
			}
		}
		owner[g] = least
		load[least] += size[g]
	}
	var out []Cell
	for _, c := range cells {
		if owner[c.Group()] == sh.Index-1 {
			out = append(out, c)
		}
	}
	return out
}
