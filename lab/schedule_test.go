package lab

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cgohostlab/cgohostlab/lab/matrix"
)

func TestParallelGroupsSources(t *testing.T) {
	t.Setenv("CGOHOSTLAB_PARALLEL_CELLS", "")
	if n, err := ParallelGroups(""); err != nil || n != runtime.NumCPU() {
		t.Errorf("ParallelGroups(\"\") = %d, %v, want %d (NumCPU)", n, err, runtime.NumCPU())
	}
	t.Setenv("CGOHOSTLAB_PARALLEL_CELLS", "3")
	if n, err := ParallelGroups(""); err != nil || n != 3 {
		t.Errorf("with CGOHOSTLAB_PARALLEL_CELLS=3, ParallelGroups(\"\") = %d, %v, want 3", n, err)
	}
	if n, err := ParallelGroups("1"); err != nil || n != 1 {
		t.Errorf("ParallelGroups(\"1\") = %d, %v, want 1 (the flag wins)", n, err)
	}
}

func TestParallelGroupsInvalid(t *testing.T) {
	for _, v := range []string{"0", "-2", "two"} {
		_, err := ParallelGroups(v)
		if err == nil || !strings.Contains(err.Error(), "-parallel-cells") || !strings.Contains(err.Error(), v) {
			t.Errorf("ParallelGroups(%q): expected an error naming -parallel-cells and the value, got %v", v, err)
		}
	}
}

func TestGroupsOfKeepsOrder(t *testing.T) {
	cells := []matrix.Cell{
		{Image: "glibc", Toolchain: "host", Variant: "stock", Scenario: "startup"},
		{Image: "musl", Toolchain: "host", Variant: "noargv", Scenario: "startup"},
		{Image: "glibc", Toolchain: "host", Variant: "stock", Scenario: "churn"},
	}
	groups := groupsOf(cells)
	if len(groups) != 2 {
		t.Fatalf("expected 2 groups, got %d", len(groups))
	}
	if groups[0].image != "glibc" || len(groups[0].cells) != 2 {
		t.Errorf("expected the glibc group first with 2 cells, got %s with %d", groups[0].image, len(groups[0].cells))
	}
	if groups[0].cells[1].Scenario != "churn" {
		t.Errorf("expected churn second in the glibc group, got %s", groups[0].cells[1].Scenario)
	}
}

func TestQuietExcludesShared(t *testing.T) {
	var q Quiet
	inShared := make(chan struct{})
	release := make(chan struct{})
	go q.Shared(func() {
		close(inShared)
		<-release
	})
	<-inShared
	entered := make(chan struct{})
	go q.Exclusive(func() { close(entered) })
	time.Sleep(50 * time.Millisecond) // time for Exclusive to enter if it did not wait
	select {
	case <-entered:
		t.Fatal("Exclusive ran while a Shared holder was running")
	default:
	}
	close(release)
	<-entered
}
