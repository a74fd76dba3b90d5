package lab

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cgohostlab/cgohostlab/lab/matrix"
)

var flagScenarioDir = flag.String("scenario-dir", os.Getenv("CGOHOSTLAB_SCENARIO_DIR"),
	"comma-separated scenario folders to add, relative to the repository root; without -scenarios only their scenarios run")

// moduleRoot returns the root of the module this test runs in, or the
// working directory outside a module.
func moduleRoot() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// addScenarioDirs adds the scenario folders of -scenario-dir to the lab's
// set. go test runs in the package directory, so a relative folder is
// taken from the repository root. Without -scenarios, the run selects
// only the folders' scenarios.
func addScenarioDirs(l *Lab, filter *matrix.Filter) error {
	var names []string
	for _, dir := range splitList(*flagScenarioDir) {
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(moduleRoot(), dir)
		}
		sc, err := l.Set.LoadDir(dir)
		if err != nil {
			return fmt.Errorf("-scenario-dir or CGOHOSTLAB_SCENARIO_DIR: %w", err)
		}
		names = append(names, sc.Name)
	}
	if len(filter.Scenarios) == 0 {
		filter.Scenarios = names
	}
	return nil
}
