package cell

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
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
// content hash of a build's inputs: lib-HASH with the library and its
// header, hosts-HASH with the hosts built against that library.
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

// outputDirs returns the output-cache folders of a build. The library's
// folder is named by a hash of the image tag (the C compiler, C library
// and Debian toolchains in it), the `go version`, the overlay files and
// the Go library's sources. The hosts' folder is named by a hash of the
// library's folder, the hosts' sources and the compile command, so a
// change to a host does not relink the library. The Go build cache does
// not cover the link of a c-archive or the C compiler, which this cache
// skips on a warm rerun.
func outputDirs(imageTag, goVersion string, overlayFiles, sources map[string][]byte) (libDir, hostDir string) {
	lib := sha256.New()
	fmt.Fprintf(lib, "image=%s\ngo=%s\n", imageTag, goVersion)
	hashFiles(lib, overlayFiles, "")
	hashFiles(lib, sources, "lab/src/golibs/")
	libDir = outputCacheDir + "/lib-" + hex.EncodeToString(lib.Sum(nil))[:24]

	host := sha256.New()
	fmt.Fprintf(host, "lib=%s\ncompile=%s\n", libDir, strings.Join(hostCompile("CC", "HOST"), " "))
	hashFiles(host, sources, "lab/src/hosts/")
	hostDir = outputCacheDir + "/hosts-" + hex.EncodeToString(host.Sum(nil))[:24]
	return libDir, hostDir
}

// hashFiles writes the names and contents of the files under prefix to h,
// in name order.
func hashFiles(h hash.Hash, files map[string][]byte, prefix string) {
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if strings.HasPrefix(name, prefix) {
			fmt.Fprintf(h, "file=%s %d\n", name, len(files[name]))
			h.Write(files[name])
		}
	}
}

// restoreOutputs copies what the output cache holds in dirs into buildDir
// and returns the names of the files it copied.
func (g *Group) restoreOutputs(ctx context.Context, dirs ...string) (map[string]bool, error) {
	script := `build=$0; mkdir -p "$build" && for d; do if [ -d "$d" ]; then cp -p "$d"/* "$build"/ 2>/dev/null; ls "$d"; fi; done`
	res, err := g.step(ctx, "/", append([]string{"sh", "-c", script, buildDir}, dirs...)...)
	if err != nil {
		return nil, fmt.Errorf("restore build outputs from %s: %w", strings.Join(dirs, ", "), err)
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
