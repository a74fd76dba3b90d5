package cell

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/moby/moby/api/types/mount"

	"github.com/cgohostlab/cgohostlab/lab/engine"
)

// copiedMarker is written into a GOROOT volume once the copy is complete.
const copiedMarker = ".cgohostlab-complete"

// mustCopyGOROOT reports whether the toolchain at goroot on the lab's
// machine must be copied into a volume instead of bind-mounted: when
// CGOHOSTLAB_COPY_GOROOT=1 is set, when DOCKER_HOST names an engine
// over tcp or ssh, and when a bind mount of goroot in a container of image
// tag does not show the same VERSION file (the lab runs in a container,
// like the runner image, or on another machine than the engine).
func mustCopyGOROOT(ctx context.Context, e *engine.Engine, tag, goroot string) bool {
	if os.Getenv("CGOHOSTLAB_COPY_GOROOT") == "1" {
		return true
	}
	host := os.Getenv("DOCKER_HOST")
	if strings.HasPrefix(host, "tcp://") || strings.HasPrefix(host, "ssh://") {
		return true
	}
	seenMu.Lock()
	defer seenMu.Unlock()
	sees, ok := seen[goroot]
	if !ok {
		sees = engineSeesPath(ctx, e, tag, goroot)
		seen[goroot] = sees
		e.Log.Info("toolchain path checked", "goroot", goroot, "bind mount works", sees)
	}
	return !sees
}

// seen caches engineSeesPath per GOROOT for the life of the process.
var (
	seenMu sync.Mutex
	seen   = map[string]bool{}
)

// engineSeesPath reports whether the engine, bind-mounting dir into a
// container, shows the same VERSION file as the lab's filesystem.
func engineSeesPath(ctx context.Context, e *engine.Engine, tag, dir string) bool {
	want, err := os.ReadFile(filepath.Join(dir, "VERSION"))
	if err != nil {
		return false
	}
	c, err := startIdle(ctx, e, tag, []mount.Mount{{Type: mount.TypeBind, Source: dir, Target: "/probe", ReadOnly: true}})
	if err != nil {
		return false
	}
	defer e.RemoveContainer(context.WithoutCancel(ctx), c.GetContainerID())
	res, err := e.Exec(ctx, c.GetContainerID(), "/", nil, []string{"cat", "/probe/VERSION"})
	return err == nil && res.ExitCode == 0 && string(res.Stdout) == string(want)
}

var unsafeVolumeChars = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// GOROOTVolume copies the toolchain at goroot into a named volume, once
// per Go version, and returns the volume's name. The copy runs through a
// short-lived container of image tag, like
// `docker run -v VOLUME:/goroot IMAGE` and `docker cp GOROOT/. CONTAINER:/goroot`.
func GOROOTVolume(ctx context.Context, e *engine.Engine, tag, goroot string) (string, error) {
	// Groups that run in parallel may ask for the same volume at once, and
	// only one of them may copy into it.
	gorootVolumeMu.Lock()
	defer gorootVolumeMu.Unlock()
	version, err := os.ReadFile(filepath.Join(goroot, "VERSION"))
	if err != nil {
		return "", fmt.Errorf("read the version of the toolchain at %s: %w", goroot, err)
	}
	first, _, _ := strings.Cut(string(version), "\n")
	vol := "cgohostlab-goroot-" + unsafeVolumeChars.ReplaceAllString(strings.TrimSpace(first), "_")
	if err := e.EnsureVolume(ctx, vol, engine.KindCache); err != nil {
		return "", err
	}

	c, err := startIdle(ctx, e, tag, []mount.Mount{{Type: mount.TypeVolume, Source: vol, Target: "/goroot"}})
	if err != nil {
		return "", fmt.Errorf("start a container to fill volume %s: %w", vol, err)
	}
	defer e.RemoveContainer(context.WithoutCancel(ctx), c.GetContainerID())
	res, err := e.Exec(ctx, c.GetContainerID(), "/", nil, []string{"test", "-e", "/goroot/" + copiedMarker})
	if err != nil {
		return "", err
	}
	if res.ExitCode == 0 {
		return vol, nil
	}

	e.Log.Info("copy toolchain into volume", "goroot", goroot, "volume", vol)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarGOROOT(pw, goroot)) }()
	if err := e.CopyTar(ctx, c.GetContainerID(), "/goroot", pr); err != nil {
		return "", fmt.Errorf("copy %s into volume %s: %w", goroot, vol, err)
	}
	res, err = e.Exec(ctx, c.GetContainerID(), "/", nil, []string{"touch", "/goroot/" + copiedMarker})
	if err != nil || res.ExitCode != 0 {
		return "", fmt.Errorf("mark volume %s complete: %v %s", vol, err, res.Stderr)
	}
	return vol, nil
}

var gorootVolumeMu sync.Mutex

// gorootParts are the parts of a GOROOT that building a c-archive needs.
var gorootParts = []string{"VERSION", "go.env", "bin", "src", "pkg/tool", "pkg/include", "lib"}

func tarGOROOT(w io.Writer, goroot string) error {
	tw := tar.NewWriter(w)
	for _, part := range gorootParts {
		// Debian's GOROOT links src, pkg/include and others into
		// /usr/share, so the walk starts at the resolved path.
		root, err := filepath.EvalSymlinks(filepath.Join(goroot, part))
		if err != nil {
			continue // go.env and lib are missing in some releases
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			link := ""
			if info.Mode()&fs.ModeSymlink != 0 {
				if link, err = os.Readlink(p); err != nil {
					return err
				}
			}
			hdr, err := tar.FileInfoHeader(info, link)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			hdr.Name = filepath.ToSlash(filepath.Join(part, rel))
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			if info.Mode().IsRegular() {
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				_, err = io.Copy(tw, f)
				f.Close()
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return tw.Close()
}
