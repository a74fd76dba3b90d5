package report

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cgohostlab/cgohostlab/lab/judge"
)

// costCell returns a callbackcost cell whose pthread repetitions took
// pthreadNs each, with main-thread and short-thread records beside them.
func costCell(image, toolchain, variant string, pthreadNs ...float64) *Cell {
	c := &Cell{Name: image + "/" + toolchain + "/" + variant + "/callbackcost",
		Image: image, Toolchain: toolchain, Variant: variant, Scenario: "callbackcost"}
	c.Verdict = judge.Pass
	var benches []judge.Record
	for i, ns := range pthreadNs {
		benches = append(benches,
			judge.Record{Rec: "bench", Kind: judge.BenchMain, Rep: i + 1, Iterations: 1000, NsPerCall: ns},
			judge.Record{Rec: "bench", Kind: judge.BenchPthread, Rep: i + 1, Iterations: 1000, NsPerCall: ns},
			judge.Record{Rec: "bench", Kind: judge.BenchFirstCall, Rep: i + 1, Iterations: 200, NsPerCall: 10 * ns},
			judge.Record{Rec: "bench", Kind: judge.BenchThreadExit, Rep: i + 1, Iterations: 200, NsPerCall: 9000},
			judge.Record{Rec: "bench", Kind: judge.BenchThreadExitC, Rep: i + 1, Iterations: 200, NsPerCall: 8000})
	}
	c.Records = benches
	c.Benches = judge.SummarizeBenches(benches)
	return c
}

func costReport() *Report {
	return &Report{
		Toolchains: []Toolchain{
			{Name: "go1.19", Image: "glibc", Version: "go1.19.8 linux/amd64"},
			{Name: "go1.22", Image: "glibc", Version: "go1.22.12 linux/amd64"},
			{Name: "host", Image: "glibc", Version: "go1.26.8 linux/amd64"},
		},
		Cells: []*Cell{
			costCell("glibc", "go1.19", "stock", 2400, 2500, 2600, 2450, 2550),
			costCell("glibc", "go1.22", "stock", 800, 820, 850, 810, 830),
			costCell("glibc", "host", "stock", 100, 98, 104, 101, 99),
		},
	}
}

// benchLine is a result line of the Go benchmark format.
var benchLine = regexp.MustCompile(`^Benchmark[^\s]+ \d+ \d+(\.\d+)? ns/op$`)

func TestBenchTextFormat(t *testing.T) {
	text := costReport().benchText()
	lines := strings.Split(strings.TrimSpace(text), "\n")
	results := 0
	for _, line := range lines {
		if strings.HasPrefix(line, "Benchmark") {
			results++
			if !benchLine.MatchString(line) {
				t.Errorf("line %q is not in the Go benchmark format", line)
			}
		}
	}
	if want := 3 * 5 * len(judge.BenchKinds); results != want {
		t.Errorf("expected %d result lines, got %d:\n%s", want, results, text)
	}
	want := "BenchmarkCallback/image=glibc/go=1.26.8/variant=stock/thread=pthread 1000 100.0 ns/op"
	if !strings.Contains(text, want+"\n") {
		t.Errorf("expected the line %q, got:\n%s", want, text)
	}
}

func TestBenchTextNameCollision(t *testing.T) {
	r := costReport()
	r.Toolchains = append(r.Toolchains, Toolchain{Name: "go1.26", Image: "glibc", Version: "go1.26.8 linux/amd64"})
	r.Cells = append(r.Cells, costCell("glibc", "go1.26", "stock", 100))
	text := r.benchText()
	if !strings.Contains(text, "/thread=pthread/toolchain=go1.26 ") {
		t.Errorf("expected the second toolchain of go1.26.8 to get a toolchain key, got:\n%s", text)
	}
}

func TestSpeedupsAgainstGo119(t *testing.T) {
	sp := costReport().speedups()
	if len(sp) != 2 {
		t.Fatalf("expected 2 speedups, got %+v", sp)
	}
	if sp[0].Toolchain != "go1.22" || sp[1].Toolchain != "host" {
		t.Errorf("expected go1.22 then host, got %s then %s", sp[0].Toolchain, sp[1].Toolchain)
	}
	if got := sp[1].Ratio; got != 25 {
		t.Errorf("expected the host ratio 2500/100 = 25, got %v", got)
	}
	h := costReport().headline()
	if !strings.Contains(h, "glibc 25x (2500 ns against 100 ns with 1.26.8, stock)") {
		t.Errorf("expected the headline to give glibc 25x against 1.26.8, got %q", h)
	}
}

func TestSpeedupsNeedBaseline(t *testing.T) {
	r := costReport()
	r.Cells = r.Cells[1:]
	if sp := r.speedups(); len(sp) != 0 {
		t.Errorf("expected no speedups without a go1.19 cell, got %+v", sp)
	}
	if h := r.headline(); h != "" {
		t.Errorf("expected no headline without a go1.19 cell, got %q", h)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		sign int
	}{
		{"go1.22.12 linux/amd64", "go1.26.8 linux/amd64", -1},
		{"go1.26.8 linux/amd64", "go1.26.10 linux/amd64", -1},
		{"go1.27.3 linux/amd64", "go1.26.8 linux/amd64", 1},
		{"go1.26.8 linux/amd64", "go1.26.8 linux/amd64", 0},
	} {
		got := compareVersions(tc.a, tc.b)
		if (got < 0 && tc.sign >= 0) || (got > 0 && tc.sign <= 0) || (got == 0 && tc.sign != 0) {
			t.Errorf("compareVersions(%q, %q) = %d, want sign %d", tc.a, tc.b, got, tc.sign)
		}
	}
}

func TestJUnitCounts(t *testing.T) {
	r := costReport()
	fail := cellWith("glibc/host/stock/churn", judge.Fail)
	fail.Image, fail.Toolchain, fail.Variant, fail.Scenario = "glibc", "host", "stock", "churn"
	broken := cellWith("musl/host/noargv/churn", judge.Error)
	broken.Image, broken.Toolchain, broken.Variant, broken.Scenario = "musl", "host", "noargv", "churn"
	r.Cells = append(r.Cells, fail, broken)
	data, err := r.junit()
	if err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(data, &got); err != nil {
		t.Fatalf("junit output is not XML: %v\n%s", err, data)
	}
	if got.Tests != 5 || got.Failures != 1 || got.Errors != 1 {
		t.Errorf("expected 5 tests, 1 failure, 1 error, got %d, %d, %d", got.Tests, got.Failures, got.Errors)
	}
	if len(got.Suites) != 4 {
		t.Errorf("expected one suite per group (4: glibc/host/stock holds two cells), got %d", len(got.Suites))
	}
}

func TestChartsAreXML(t *testing.T) {
	r := costReport()
	bounds := cellWith("glibc/host/stock/deepstack", judge.Pass)
	bounds.Bounds = []judge.KindBounds{
		{Kind: "pthread-256k", Class: judge.Exact, Calls: 3, Size: 256 << 10, TrueSize: 256 << 10, Truth: "libc"},
		{Kind: "main", Class: judge.Unsafe, Calls: 1, UnsafeBy: 4096, Size: 8 << 20, TrueSize: 8<<20 - 4096, Truth: "maps"},
	}
	r.Cells = append(r.Cells, bounds)
	charts := append(r.costCharts(), r.boundsCharts()...)
	var files []string
	for _, ch := range charts {
		files = append(files, ch.File)
		if err := xml.Unmarshal([]byte(ch.SVG), new(struct{})); err != nil {
			t.Errorf("%s is not well-formed XML: %v", ch.File, err)
		}
		if !strings.Contains(ch.SVG, "<rect") {
			t.Errorf("%s draws no bars", ch.File)
		}
	}
	want := "callback-glibc.svg bounds-pthread-256k.svg bounds-main.svg"
	if got := strings.Join(files, " "); got != want {
		t.Errorf("expected charts %s, got %s", want, got)
	}
}

func TestWriteExtras(t *testing.T) {
	dir := t.TempDir()
	if err := costReport().Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"report.md", "report.json", BenchFile, JUnitFile, "callback-glibc.svg"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("expected %s in the report directory: %v", name, err)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Callback cost", "[callback cost, glibc](callback-glibc.svg)", "| glibc | stock | host | go1.26.8 linux/amd64 | 2500 | 100 | 25.0x |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("expected report.md to contain %q", want)
		}
	}
}
