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

// headerFile is the header that go build writes beside a c-archive or
// c-shared library.
const headerFile = "liblab.h"

// outputCacheDir holds, in the group's build-cache volume, one folder per
// content hash of a build's inputs: lib-HASH with a library and its
// header, host-HASH with a host built against that library. The Go build
// cache does not cover the link of a c-archive or c-shared library or the
// C compiler, which this cache skips on a warm rerun.
//
// NOTE: nothing removes old folders; `cgohostlab clean` removes the
// volume with everything in it.
const outputCacheDir = cacheDir + "/outputs"

// outputKeys hashes what every library and host of a group depends on:
// the image tag (the C compiler, C library and Debian toolchains in it),
// the `go version` and the overlay files.
type outputKeys struct {
	base    string
	sources map[string][]byte
}

func newOutputKeys(imageTag, goVersion string, overlayFiles, sources map[string][]byte) outputKeys {
	h := sha256.New()
	fmt.Fprintf(h, "image=%s\ngo=%s\n", imageTag, goVersion)
	hashFiles(h, overlayFiles, "")
	return outputKeys{base: hex.EncodeToString(h.Sum(nil)), sources: sources}
}

// dirs returns the output-cache folders of h's library and of h. The
// library's folder hashes the group's inputs, the library's name and
// build mode and its Go sources (the lab's golibs, or a scenario folder's
// files and the probe). The host's folder hashes the library's folder,
// the harness and hosts sources, the host's own files and its compile
// command, so a change to a host does not relink the library.
func (k outputKeys) dirs(cc string, h Host, probe []byte) (libDir, hostDir string) {
	lib := sha256.New()
	fmt.Fprintf(lib, "base=%s\nlibrary=%s\nmode=%s\npackage=%s\n", k.base, h.Library.Name, h.Library.BuildMode, h.Library.Package)
	hashFiles(lib, k.sources, "lab/src/golibs/")
	if h.Library.AddProbe {
		hashFiles(lib, h.Files, "")
		lib.Write(probe)
	}
	libDir = outputCacheDir + "/lib-" + hex.EncodeToString(lib.Sum(nil))[:24]

	host := sha256.New()
	fmt.Fprintf(host, "lib=%s\nname=%s\ncompile=%s\n", libDir, h.Name,
		strings.Join(compileCommand(cc, h, buildDir+"/"+h.Name), "\x00"))
	hashFiles(host, k.sources, "lab/src/hosts/")
	hashFiles(host, h.Files, "")
	hostDir = outputCacheDir + "/host-" + hex.EncodeToString(host.Sum(nil))[:24]
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

// restoreOutputs copies what the output-cache folder dir holds into dest
// and returns the names of the files it copied.
func (g *Group) restoreOutputs(ctx context.Context, dir, dest string) (map[string]bool, error) {
	script := `mkdir -p "$1" && if [ -d "$0" ]; then cp -p "$0"/* "$1"/ 2>/dev/null; ls "$0"; fi`
	res, err := g.step(ctx, "/", "sh", "-c", script, dir, dest)
	if err != nil {
		return nil, fmt.Errorf("restore build outputs from %s: %w", dir, err)
	}
	found := map[string]bool{}
	for _, name := range strings.Fields(string(res.Stdout)) {
		found[name] = true
	}
	return found, nil
}

// storeOutputs copies files of src into the output-cache folder dir, in
// order. Each file is copied under a temporary name and renamed, so a
// lab run that shares the volume never reads half a file.
func (g *Group) storeOutputs(ctx context.Context, dir, src string, files ...string) error {
	script := `dir=$0; src=$1; shift; mkdir -p "$dir" && for f; do cp -p "$src/$f" "$dir/.$f.$$" && mv -f "$dir/.$f.$$" "$dir/$f" || exit 1; done`
	if _, err := g.step(ctx, "/", append([]string{"sh", "-c", script, dir, src}, files...)...); err != nil {
		return fmt.Errorf("store build outputs in %s: %w", dir, err)
	}
	return nil
}
