package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/cgohostlab/cgohostlab/lab/overlay"
)

// patchExample runs the patch-example command.
func patchExample(args []string) error {
	fs := flag.NewFlagSet("patch-example", flag.ContinueOnError)
	goroot := fs.String("goroot", "", "GOROOT of the toolchain to write the diff against (default: go env GOROOT)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("patch-example takes no arguments besides -goroot, got %q", fs.Args())
	}
	return writeExamplePatch(os.Stdout, *goroot)
}

// writeExamplePatch writes the musl-argv example diff against the
// toolchain at goroot, or at the GOROOT of the go command in PATH.
func writeExamplePatch(w io.Writer, goroot string) error {
	if goroot == "" {
		out, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			return fmt.Errorf("find GOROOT with go env GOROOT (or pass -goroot): %w", err)
		}
		goroot = strings.TrimSpace(string(out))
	}
	if _, err := os.Stat(filepath.Join(goroot, "src", "runtime")); err != nil {
		return fmt.Errorf("-goroot %s is not a Go toolchain's GOROOT: %w", goroot, err)
	}
	diff, err := overlay.ExamplePatch(func(rel string) ([]byte, error) {
		return os.ReadFile(filepath.Join(goroot, rel))
	})
	if err != nil {
		return fmt.Errorf("toolchain at %s: %w", goroot, err)
	}
	_, err = w.Write(diff)
	return err
}
