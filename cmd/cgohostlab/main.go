// Command cgohostlab manages what the lab keeps in the Docker engine and
// the reports it writes.
//
//	cgohostlab clean                      remove the lab's containers, images and volumes
//	cgohostlab image NAME...              build lab images and print their tags
//	cgohostlab merge -o DIR REPORT...     merge shard reports into one report
//	cgohostlab compare REPORT...          list cells whose verdicts differ
//	cgohostlab patch-example [-goroot DIR] write the worked example's patch
//
// Run the matrix itself with go test ./lab (see the README).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/cgohostlab/cgohostlab/lab/engine"
	"github.com/cgohostlab/cgohostlab/lab/image"
	"github.com/cgohostlab/cgohostlab/lab/matrix"
	"github.com/cgohostlab/cgohostlab/lab/report"
)

const usage = `usage:
  cgohostlab clean
  cgohostlab image NAME...
  cgohostlab merge -o DIR REPORT.json...
  cgohostlab compare REPORT.json...
  cgohostlab patch-example [-goroot DIR]

clean    removes every container, image and volume that the lab created in
         the engine that DOCKER_HOST names, so the next run starts cold. Do
         not run it while a lab run is in progress.
image    builds the named lab images (and their bases) if the engine does
         not have them, and prints one tag per line.
merge    joins the report.json files of the shards of one run (go test
         ./lab -args -shard i/n) into one report in DIR. It exits with 1
         when a cell of the selection is in no shard report.
compare  lists the cells whose verdict is not the same in every report,
         for example across repeated runs; it exits with 1 if there is one.
patch-example
         writes to stdout the README's example patch (musl-argv) as a
         unified diff against the toolchain at -goroot (default: the GOROOT
         of the go command in PATH), for go test ./lab -args -patch FILE.
`

func main() {
	if len(os.Args) < 2 {
		fail(2, fmt.Errorf("no command given"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, args := os.Args[1], os.Args[2:]
	var err error
	switch cmd {
	case "clean":
		if len(args) != 0 {
			fail(2, fmt.Errorf("clean takes no arguments"))
		}
		err = clean(ctx)
	case "image":
		err = buildImages(ctx, args)
	case "merge":
		err = merge(args)
	case "compare":
		err = compare(args)
	case "patch-example":
		err = patchExample(args)
	case "help", "-h", "-help", "--help":
		fmt.Print(usage)
		return
	default:
		fail(2, fmt.Errorf("unknown command %q", cmd))
	}
	if err != nil {
		fail(1, err)
	}
}

func fail(code int, err error) {
	fmt.Fprintf(os.Stderr, "cgohostlab: %v\n", err)
	if code == 2 {
		fmt.Fprint(os.Stderr, usage)
	}
	os.Exit(code)
}

func connect(ctx context.Context) (*engine.Engine, error) {
	return engine.Connect(ctx, slog.New(slog.NewTextHandler(os.Stderr, nil)))
}

func clean(ctx context.Context) error {
	e, err := connect(ctx)
	if err != nil {
		return err
	}
	if err := e.Clean(ctx); err != nil {
		return fmt.Errorf("clean: %w", err)
	}
	return nil
}

func buildImages(ctx context.Context, names []string) error {
	if len(names) == 0 {
		return fmt.Errorf("image needs image names; known images: %v", matrix.ImageNames())
	}
	var images []matrix.Image
	for _, name := range names {
		im, err := matrix.ImageByName(name)
		if err != nil {
			return err
		}
		images = append(images, im)
	}
	e, err := connect(ctx)
	if err != nil {
		return err
	}
	b := image.NewBuilder(e)
	for _, im := range images {
		tag, err := b.Image(ctx, im.Image)
		if err != nil {
			return err
		}
		fmt.Println(tag)
	}
	return nil
}

func merge(args []string) error {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	out := fs.String("o", "", "directory to write the merged report into")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	} else if err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		return fmt.Errorf("merge needs -o DIR and at least one report.json, for example: cgohostlab merge -o report shard1/report.json shard2/report.json")
	}
	m, err := report.Merge(fs.Args())
	if err != nil {
		return err
	}
	if err := m.Write(*out); err != nil {
		return err
	}
	fmt.Printf("%s: %s\n", *out, m.Summary())
	if len(m.Unfinished) > 0 {
		fmt.Fprintf(os.Stderr, "cgohostlab merge: %d cells did not finish in their shard: %v\n", len(m.Unfinished), m.Unfinished)
	}
	if len(m.Missing) > 0 {
		return fmt.Errorf("merge: %d cells of the selection are in no shard report (a shard is missing or ran another selection): %v", len(m.Missing), m.Missing)
	}
	return nil
}

func compare(paths []string) error {
	if len(paths) < 2 {
		return fmt.Errorf("compare needs at least two report.json files")
	}
	var reports []*report.Report
	cells := 0
	for _, p := range paths {
		r, err := report.Read(p)
		if err != nil {
			return err
		}
		reports = append(reports, r)
		cells = max(cells, len(r.Cells))
	}
	diffs := report.Compare(reports)
	if len(diffs) == 0 {
		fmt.Printf("every cell has the same verdict in all %d reports (up to %d cells each)\n", len(reports), cells)
		return nil
	}
	for _, d := range diffs {
		fmt.Println(d)
	}
	return fmt.Errorf("compare: %d cells differ between the %d reports", len(diffs), len(reports))
}
