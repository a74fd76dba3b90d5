package matrix

import (
	"strings"
	"testing"
)

func TestShardsCoverEveryCellOnce(t *testing.T) {
	set := builtin(t)
	all, err := Select(set, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 7; n++ {
		seen := map[Cell]int{}
		minCells, maxCells := len(all), 0
		for i := 1; i <= n; i++ {
			part := Shard{i, n}.Select(all)
			for _, c := range part {
				seen[c]++
			}
			minCells, maxCells = min(minCells, len(part)), max(maxCells, len(part))
		}
		for _, c := range all {
			if seen[c] != 1 {
				t.Errorf("%d shards: %s is in %d shards, expected 1", n, c.Name(), seen[c])
			}
		}
		if len(seen) != len(all) {
			t.Errorf("%d shards: %d cells selected, expected %d", n, len(seen), len(all))
		}
		// No group has more than 6 cells (one per scenario).
		if maxCells-minCells > 6 {
			t.Errorf("%d shards: sizes from %d to %d cells, expected within 6", n, minCells, maxCells)
		}
	}
}

func TestShardKeepsGroupsWhole(t *testing.T) {
	set := builtin(t)
	all, err := Select(set, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	owner := map[string]int{}
	for i := 1; i <= 3; i++ {
		for _, c := range (Shard{i, 3}).Select(all) {
			if o, ok := owner[c.Group()]; ok && o != i {
				t.Errorf("group %s is split between shards %d and %d", c.Group(), o, i)
			}
			owner[c.Group()] = i
		}
	}
}

func TestShardIsDeterministic(t *testing.T) {
	set := builtin(t)
	all, _ := Select(set, Filter{})
	a := names(Shard{2, 4}.Select(all))
	b := names(Shard{2, 4}.Select(all))
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Error("two selections of shard 2/4 differ")
	}
}

func TestParseShard(t *testing.T) {
	good := map[string]Shard{"": {1, 1}, "1/1": {1, 1}, "2/4": {2, 4}}
	for in, want := range good {
		got, err := ParseShard(in)
		if err != nil || got != want {
			t.Errorf("ParseShard(%q): expected %v, got %v, %v", in, want, got, err)
		}
	}
	for _, in := range []string{"0/2", "3/2", "2", "a/b", "1/0", "-1/2"} {
		_, err := ParseShard(in)
		if err == nil || !strings.Contains(err.Error(), "want i/n with 1 <= i <= n") {
			t.Errorf("ParseShard(%q): expected an error that says the form, got %v", in, err)
		}
	}
}
