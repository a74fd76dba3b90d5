package lab

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cgohostlab/cgohostlab/lab/matrix"
)

// group is the cells of one (image, toolchain, variant), which share a
// container and a build.
type group struct {
	image, toolchain, variant string
	cells                     []matrix.Cell
}

// groupsOf returns the groups of cells in the order their first cells
// appear.
func groupsOf(cells []matrix.Cell) []group {
	index := map[string]int{}
	var out []group
	for _, c := range cells {
		i, ok := index[c.Group()]
		if !ok {
			i = len(out)
			index[c.Group()] = i
			out = append(out, group{image: c.Image, toolchain: c.Toolchain, variant: c.Variant})
		}
		out[i].cells = append(out[i].cells, c)
	}
	return out
}

// runGroups runs the groups of cells, at most parallel at once and in
// matrix order, each as a subtest named image/toolchain/variant with one
// subtest per scenario. Image builds are shared: the image builder builds
// each image once per process, however many groups wait for it. When ctx
// ends, the groups not yet started still run their subtests, which skip
// at once as unfinished.
func runGroups(ctx context.Context, t *testing.T, l *Lab, cells []matrix.Cell, parallel int, progress *Progress) {
	groups := groupsOf(cells)
	next := make(chan group)
	var wg sync.WaitGroup
	for range min(parallel, len(groups)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range next {
				t.Run(g.image+"/"+g.toolchain+"/"+g.variant, func(t *testing.T) {
					runGroup(ctx, t, l, g.image, g.toolchain, g.variant, g.cells, progress)
				})
			}
		}()
	}
	for _, g := range groups {
		next <- g
	}
	close(next)
	wg.Wait()
}

// openProgress returns the run's progress writer, which writes to stderr
// and to progress.txt in the report directory, and a function that closes
// the file.
func openProgress(t *testing.T, cells int) (*Progress, func()) {
	t.Helper()
	dir := reportDir()
	var w io.Writer = os.Stderr
	closeFile := func() {}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("progress goes to stderr only: %v", err)
	} else if f, err := os.Create(filepath.Join(dir, "progress.txt")); err != nil {
		t.Logf("progress goes to stderr only: %v", err)
	} else {
		w = io.MultiWriter(os.Stderr, f)
		closeFile = func() { f.Close() }
	}
	return NewProgress(w, cells), closeFile
}
