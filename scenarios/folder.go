package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// A scenario folder is a bring-your-own scenario: a user's C host, Go
// package and scenario file, which the lab builds and runs like a
// built-in scenario.
const (
	// FolderFile is the scenario file of a scenario folder.
	FolderFile = "scenario.json"
	// GoPackageDir is the folder's subdirectory with the Go package that
	// the lab builds as the host's library.
	GoPackageDir = "golib"
)

// LoadDir reads the scenario folder dir, validates it against set and
// adds its scenario, with the known issues it declares, to set.
func (s *Set) LoadDir(dir string) (*Scenario, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("scenario folder %s: %w", dir, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("scenario folder %s: not a directory: name the folder that contains %s", dir, FolderFile)
	}
	sc, err := loadFolder(os.DirFS(abs), filepath.Clean(dir), s)
	if err != nil {
		return nil, err
	}
	sc.Dir = abs
	s.Scenarios = append(s.Scenarios, sc)
	s.KnownIssues = append(s.KnownIssues, sc.KnownIssues...)
	return sc, nil
}

// loadFolder reads and validates the scenario folder in fsys, which
// errors call dir. It leaves set unchanged.
func loadFolder(fsys fs.FS, dir string, set *Set) (*Scenario, error) {
	file := filepath.Join(dir, FolderFile)
	data, err := fs.ReadFile(fsys, FolderFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("scenario folder %s: %s not found: a scenario folder contains its scenario file, C host and Go package (see the README)", dir, FolderFile)
	}
	if err != nil {
		return nil, err
	}

	sc := &Scenario{Dir: dir}
	if err := decodeStrict(data, sc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for i, ki := range sc.KnownIssues {
		if err := ki.validate(); err != nil {
			return nil, fmt.Errorf("%s: field known_issues[%d]: %w", file, i, err)
		}
		if set.KnownIssue(ki.ID) != nil || slices.ContainsFunc(sc.KnownIssues[:i], func(k *KnownIssue) bool { return k.ID == ki.ID }) {
			return nil, fmt.Errorf("%s: field known_issues[%d]: id %q is already taken: choose another id", file, i, ki.ID)
		}
	}
	// Expectations may name the catalogue's known issues and the folder's.
	withOwn := &Set{Scenarios: set.Scenarios, KnownIssues: append(slices.Clip(set.KnownIssues), sc.KnownIssues...)}
	if err := sc.validate(withOwn); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if set.Scenario(sc.Name) != nil {
		return nil, fmt.Errorf("%s: field name: %q is already the name of another scenario: choose another name", file, sc.Name)
	}

	sc.Files, err = folderFiles(fsys, dir)
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// folderFiles returns the files the lab copies from a scenario folder:
// the .c and .h files beside the scenario file and every file of the Go
// package directory.
func folderFiles(fsys fs.FS, dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	top, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("scenario folder %s: %w", dir, err)
	}
	cFiles := 0
	for _, e := range top {
		name := e.Name()
		if !e.Type().IsRegular() || (path.Ext(name) != ".c" && path.Ext(name) != ".h") {
			continue
		}
		if path.Ext(name) == ".c" {
			cFiles++
		}
		if files[name], err = fs.ReadFile(fsys, name); err != nil {
			return nil, err
		}
	}
	if cFiles == 0 {
		return nil, fmt.Errorf("scenario folder %s: no .c file: put the C host's .c files beside %s", dir, FolderFile)
	}

	goFiles := 0
	err = fs.WalkDir(fsys, GoPackageDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		if path.Dir(p) == GoPackageDir && strings.HasSuffix(p, ".go") {
			goFiles++
		}
		files[p], err = fs.ReadFile(fsys, p)
		return err
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("scenario folder %s: %w", dir, err)
	}
	if goFiles == 0 {
		return nil, fmt.Errorf("scenario folder %s: no .go file in %s/: put the Go package (package main, built as the host's library) there", dir, GoPackageDir)
	}
	return files, nil
}
