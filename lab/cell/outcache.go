package cell

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Files that the Go library build writes into buildDir.
const (
	libraryFile = "liblab.a"
	headerFile  = "liblab.h" // written by go build beside the archive
)

// outputCacheDir holds, in the group's build-cache volume, one folder per
// content hash of a build's inputs with the library, its header and the
// hosts built from them.
//
// NOTE: nothing removes old folders; `cgohostlab clean` removes the
// volume with everything in it.
const outputCacheDir = cacheDir + "/outputs"

// hostCompile returns the command that compiles host h in the hosts
// folder against the library in buildDir.
func hostCompile(cc, h string) []string {
	return []string{cc, "-std=c99", "-O1", "-g", "-Wall", "-Werror",
		"-pthread", "-I" + buildDir, "-o", buildDir + "/" + h, h + ".c", "harness.c", buildDir + "/" + libraryFile, "-lpthread"}
}

// outputDir returns the output-cache folder of a build: a hash of the
// image tag (the C compiler, C library and Debian toolchains in it), the
// `go version`, the overlay files, the sources and the build commands.
// The Go build cache does not cover the link of a c-archive or the C
// compiler, which this cache skips on a warm rerun.
func outputDir(imageTag, goVersion string, overlayFiles, sources map[string][]byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "image=%s\ngo=%s\ncompile=%s\n", imageTag, goVersion, strings.Join(hostCompile("CC", "HOST"), " "))
	for _, set := range []map[string][]byte{overlayFiles, sources} {
		for _, name := range slices.Sorted(maps.Keys(set)) {
			fmt.Fprintf(h, "file=%s %d\n", name, len(set[name]))
			h.Write(set[name])
		}
	}
	return outputCacheDir + "/" + hex.EncodeToString(h.Sum(nil))[:24]
}

// restoreOutputs copies what the output cache holds in dir into buildDir
// and returns the names of the files it copied.
func (g *Group) restoreOutputs(ctx context.Context, dir string) (map[string]bool, error) {
	res, err := g.step(ctx, "/", "sh", "-c", `mkdir -p "$1" && if [ -d "$0" ]; then cp -p "$0"/* "$1"/ 2>/dev/null; ls "$0"; fi`, dir, buildDir)
	if err != nil {
		return nil, fmt.Errorf("restore build outputs from %s: %w", dir, err)
	}
	out := map[string]bool{}
	for _, name := range strings.Fields(string(res.Stdout)) {
		out[name] = true
	}
	return out, nil
}

// storeOutputs copies files of buildDir into the output cache folder dir.
// Each file is copied under a temporary name and renamed, so a lab run
// that shares the volume never reads half a file. The caller stores the
// header before the library, whose presence marks both.
func (g *Group) storeOutputs(ctx context.Context, dir string, files ...string) error {
	script := `dir=$0; src=$1; shift; mkdir -p "$dir" && for f; do cp -p "$src/$f" "$dir/.$f.$$" && mv -f "$dir/.$f.$$" "$dir/$f" || exit 1; done`
	if _, err := g.step(ctx, "/", append([]string{"sh", "-c", script, dir, buildDir}, files...)...); err != nil {
		return fmt.Errorf("store build outputs in %s: %w", dir, err)
	}
	return nil
}

func containsAll(set map[string]bool, names []string) bool {
	for _, n := range names {
		if !set[n] {
			return false
		}
	}
	return true
}
