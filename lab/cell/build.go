package cell

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/cgohostlab/cgohostlab/scenarios"
)

// Library is a Go package that a group builds into a C library, once for
// all the hosts that use it.
type Library struct {
	// Name names the library's build directory: "lab" for golibs/lab,
	// "byo-NAME" for the Go package of scenario folder NAME.
	Name string
	// Package is the package directory inside the container.
	Package string
	// BuildMode is "c-archive" or "c-shared".
	BuildMode string
	// AddProbe copies golibs/lab/probe.go into Package before the build,
	// so a package that is not the lab's own exports LabCall too.
	AddProbe bool
}

// dir returns the library's build directory inside the container.
func (l Library) dir() string {
	return buildDir + "/lib/" + l.Name + "-" + l.BuildMode
}

// path returns the library file. go build writes the header liblab.h
// beside it, which hosts/harness.h includes.
func (l Library) path() string {
	if l.BuildMode == scenarios.BuildModeCShared {
		return l.dir() + "/liblab.so"
	}
	return l.dir() + "/liblab.a"
}

// Host is a C host that a group compiles with the harness.
type Host struct {
	// Name is the binary's name in the group, which Run takes.
	Name string
	// Dir is the directory of the host's C files inside the container.
	Dir string
	// Sources are the host's .c files in Dir, without the harness.
	Sources []string
	Library Library
	// Dlopen builds a host that opens the c-shared library with dlopen
	// at run time (through hosts/harness_dlopen.c) instead of linking it.
	Dlopen bool
	// Werror compiles with -Werror, as the lab's own hosts are.
	Werror bool
	// Files are copied into the container before the build, by path
	// relative to its root: a scenario folder's files.
	Files map[string][]byte
}

// HostFor returns the host that scenario sc runs, built with the library
// and load method that sc names. A built-in scenario's host is
// hosts/HOST.c with golibs/lab; a scenario folder's host is the folder's
// .c files with its Go package.
func HostFor(sc *scenarios.Scenario) Host {
	h := Host{
		Name:    sc.Host,
		Dir:     srcDir + "/hosts",
		Sources: []string{sc.Host + ".c"},
		Library: Library{Name: "lab", Package: srcDir + "/golibs/lab", BuildMode: sc.BuildMode},
		Dlopen:  sc.Load == scenarios.LoadDlopen,
		Werror:  true,
	}
	if sc.Dir != "" {
		root := "lab/src/byo/" + sc.Name
		h.Name = "byo-" + sc.Name
		h.Dir = "/" + root
		h.Sources = nil
		h.Library = Library{Name: h.Name, Package: h.Dir + "/" + scenarios.GoPackageDir, BuildMode: sc.BuildMode, AddProbe: true}
		h.Werror = false
		h.Files = map[string][]byte{}
		for p, data := range sc.Files {
			h.Files[root+"/"+p] = data
			if path.Dir(p) == "." && path.Ext(p) == ".c" {
				h.Sources = append(h.Sources, p)
			}
		}
		slices.Sort(h.Sources)
		if _, ok := sc.Files[scenarios.GoPackageDir+"/go.mod"]; !ok {
			h.Files[root+"/"+scenarios.GoPackageDir+"/go.mod"] = []byte("module cgohostlab.test/byo/" + sc.Name + "\n\ngo 1.19\n")
		}
	}
	switch {
	case h.Dlopen:
		h.Name += "-dlopen"
	case sc.BuildMode == scenarios.BuildModeCShared:
		h.Name += "-cshared"
	}
	return h
}

// buildHosts copies the hosts' own files into the container, builds each
// library that a host uses once, and compiles the hosts. probe is
// golibs/lab/probe.go.
func (g *Group) buildHosts(ctx context.Context, hosts []Host, probe []byte) error {
	files := map[string][]byte{}
	for _, h := range hosts {
		maps.Copy(files, h.Files)
		if h.Library.AddProbe {
			files[strings.TrimPrefix(h.Library.Package, "/")+"/cgohostlab_probe.go"] = probe
		}
	}
	if len(files) > 0 {
		if err := g.Engine.CopyFiles(ctx, g.ContainerID(), "/", files); err != nil {
			return err
		}
	}

	built := map[string]bool{}
	g.Binaries = map[string]Binary{}
	for _, h := range hosts {
		libCache, hostCache := g.outputs.dirs(g.Image.CC, h, probe)
		if !built[h.Library.dir()] {
			if err := g.buildLibrary(ctx, h.Library, libCache); err != nil {
				return err
			}
			built[h.Library.dir()] = true
		}
		if err := g.compileHost(ctx, h, hostCache); err != nil {
			return fmt.Errorf("compile host %s: %w", h.Name, err)
		}
	}
	return nil
}

// buildLibrary builds lib, or copies it from the output cache when an
// earlier build had the same inputs.
func (g *Group) buildLibrary(ctx context.Context, lib Library, cache string) error {
	file := path.Base(lib.path())
	found, err := g.restoreOutputs(ctx, cache, lib.dir())
	if err != nil {
		return err
	}
	if found[file] && found[headerFile] {
		g.Reused++
		return nil
	}

	if _, err := g.step(ctx, lib.Package, "go", "build", "-tags", "cgohostlab", "-buildmode="+lib.BuildMode,
		"-overlay", overlayDir+"/overlay.json", "-o", lib.path(), "."); err != nil {
		return fmt.Errorf("build Go library %s as %s: %w", lib.Name, lib.BuildMode, err)
	}
	// The header goes first: the library's presence marks both.
	return g.storeOutputs(ctx, cache, lib.dir(), headerFile, file)
}

// compileHost compiles h with the harness and records its binary.
func (g *Group) compileHost(ctx context.Context, h Host, cache string) error {
	bin := buildDir + "/" + h.Name
	found, err := g.restoreOutputs(ctx, cache, buildDir)
	if err != nil {
		return err
	}
	if found[h.Name] {
		g.Reused++
	} else {
		if _, err := g.step(ctx, h.Dir, compileCommand(g.Image.CC, h, bin)...); err != nil {
			return err
		}
		if err := g.storeOutputs(ctx, cache, buildDir, h.Name); err != nil {
			return err
		}
	}

	res, err := g.step(ctx, "/", "readelf", "-lW", bin)
	if err != nil {
		return err
	}
	interp := "static"
	if m := interpreterLine.FindSubmatch(res.Stdout); m != nil {
		interp = string(m[1])
	}
	g.Binaries[h.Name] = Binary{Path: bin, Interpreter: interp}
	return nil
}

// compileCommand returns the command that compiles h into bin with the C
// compiler cc. A c-archive is linked into the binary. A c-shared library
// is named with -l and found at run time through the binary's rpath. A
// dlopen host gets the library's path as LAB_LIBRARY_PATH and no
// reference to the library.
func compileCommand(cc string, h Host, bin string) []string {
	lib := h.Library
	args := []string{cc, "-std=c99", "-O1", "-g", "-Wall"}
	if h.Werror {
		args = append(args, "-Werror")
	}
	args = append(args, "-pthread", "-I"+lib.dir(), "-I"+srcDir+"/hosts", "-o", bin)
	if h.Dlopen {
		args = append(args, `-DLAB_LIBRARY_PATH="`+lib.path()+`"`)
	}
	args = append(args, h.Sources...)
	args = append(args, srcDir+"/hosts/harness.c")
	switch {
	case h.Dlopen:
		args = append(args, srcDir+"/hosts/harness_dlopen.c", "-ldl")
	case lib.BuildMode == scenarios.BuildModeCShared:
		args = append(args, "-L"+lib.dir(), "-llab", "-Wl,-rpath,"+lib.dir())
	default:
		args = append(args, lib.path())
	}
	return append(args, "-lpthread")
}
