// Command cgohostlab manages what the lab keeps in the Docker engine.
//
//	cgohostlab clean    remove the lab's containers, images and build-cache volumes
//
// Run the matrix itself with go test ./lab (see the README).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"

	"github.com/cgohostlab/cgohostlab/lab/engine"
)

const usage = `usage: cgohostlab clean

clean  removes every container, image and build-cache volume that the lab
       created in the engine that DOCKER_HOST names, so the next run starts
       cold. Do not run it while a lab run is in progress.
`

func main() {
	if len(os.Args) != 2 || os.Args[1] != "clean" {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	e, err := engine.Connect(ctx, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cgohostlab:", err)
		os.Exit(1)
	}
	if err := e.Clean(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "cgohostlab clean:", err)
		os.Exit(1)
	}
}
