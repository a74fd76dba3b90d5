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

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/testcontainers/testcontainers-go"

	"github.com/cgohostlab/cgohostlab/lab/engine"
)

// copiedMarker is written into a GOROOT volume once the copy is complete.
const copiedMarker = ".cgohostlab-complete"

// mustCopyGOROOT reports whether a GOROOT on the lab's machine must be
// copied into a volume instead of bind-mounted: when the engine does not
// share the lab's filesystem (DOCKER_HOST over tcp or ssh), when the lab
// itself runs in a container (the runner image), or when
// CGOHOSTLAB_COPY_GOROOT=1 asks for it.
func mustCopyGOROOT() bool {
	if os.Getenv("CGOHOSTLAB_COPY_GOROOT") == "1" {
		return true
	}
	host := os.Getenv("DOCKER_HOST")
	if strings.HasPrefix(host, "tcp://") || strings.HasPrefix(host, "ssh://") {
		return true
	}
	_, err := os.Stat("/.dockerenv")
	return err == nil
}

var unsafeVolumeChars = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// GOROOTVolume copies the toolchain at goroot into a named volume, once
// per Go version, and returns the volume's name. The copy runs through a
// short-lived container of image tag, like
// `docker run -v VOLUME:/goroot IMAGE` and `docker cp GOROOT/. CONTAINER:/goroot`.
func GOROOTVolume(ctx context.Context, e *engine.Engine, tag, goroot string) (string, error) {
	version, err := os.ReadFile(filepath.Join(goroot, "VERSION"))
	if err != nil {
		return "", fmt.Errorf("read the version of the toolchain at %s: %w", goroot, err)
	}
	first, _, _ := strings.Cut(string(version), "\n")
	vol := "cgohostlab-goroot-" + unsafeVolumeChars.ReplaceAllString(strings.TrimSpace(first), "_")
	if err := e.EnsureVolume(ctx, vol, engine.KindCache); err != nil {
		return "", err
	}

	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:  tag,
			Cmd:    []string{"sleep", "infinity"},
			Labels: e.Labels(engine.KindCell),
			HostConfigModifier: func(hc *container.HostConfig) {
				hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeVolume, Source: vol, Target: "/goroot"})
			},
		},
		Started: true,
	}
	c, err := testcontainers.GenericContainer(ctx, req)
	if c != nil {
		defer e.RemoveContainer(context.WithoutCancel(ctx), c.GetContainerID())
	}
	if err != nil {
		return "", fmt.Errorf("start a container to fill volume %s: %w", vol, err)
	}
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
