package cell

import (
	"context"
	"fmt"
	"strings"

	"github.com/testcontainers/testcontainers-go"

	"github.com/cgohostlab/cgohostlab/lab/binfmt"
	"github.com/cgohostlab/cgohostlab/lab/engine"
	"github.com/cgohostlab/cgohostlab/lab/matrix"
)

// A group of an image of another architecture builds in a container of
// the amd64 cross image and runs its hosts in a second container, the
// runner, made from that architecture's root filesystem. The built hosts
// move from one to the other by copy, so each host runs with the target
// architecture's own C library and program interpreter.

// archEnv returns the build environment that cross-compiles for im.
func archEnv(im matrix.Image) []string {
	if im.Arch == "" {
		return nil
	}
	return []string{"GOARCH=" + im.GOARCH()}
}

// Emulated reports whether the group's hosts run through qemu-user, so
// their timings are not comparable with native ones.
func (g *Group) Emulated() bool {
	return binfmt.Emulated(g.Image.Arch)
}

// StartRunner starts the container of the target architecture's root
// filesystem runTag that runs the group's hosts, like
// `docker run -d --label ... IMAGE sleep infinity`.
//
// NOTE: the request names no platform. Docker 20.10 records every
// imported image as the engine's own architecture whatever platform the
// import names, and testcontainers would then try to pull the image. The
// kernel picks the interpreter from each binary, so the platform record
// changes nothing in how the runner runs.
func (g *Group) StartRunner(ctx context.Context, runTag string) error {
	platform := "linux/" + g.Image.GOARCH()
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:  runTag,
			Cmd:    []string{"sleep", "infinity"},
			Labels: g.Engine.Labels(engine.KindCell),
		},
		Started: true,
	}
	c, err := testcontainers.GenericContainer(ctx, req)
	if err != nil {
		if c != nil {
			g.Engine.RemoveContainer(context.WithoutCancel(ctx), c.GetContainerID())
		}
		return fmt.Errorf("start %s runner for %s from %s: %w", platform, g.Name(), runTag, err)
	}
	g.runner = c
	g.Engine.Log.Info("container started", "id", c.GetContainerID()[:12], "group", g.Name(), "image", runTag, "platform", platform)
	return nil
}

// runnerID returns the id of the container that runs the hosts.
func (g *Group) runnerID() string {
	if g.runner != nil {
		return g.runner.GetContainerID()
	}
	return g.ContainerID()
}

// runExec runs cmd in the container that runs the hosts.
func (g *Group) runExec(ctx context.Context, dir string, cmd ...string) (*engine.ExecResult, error) {
	return g.Engine.Exec(ctx, g.runnerID(), dir, g.env, cmd)
}

// readLibc returns the C library and its version that the hosts run
// with: the lab image's record, or for a runner the Debian package
// version of its C library.
func (g *Group) readLibc(ctx context.Context) (string, error) {
	if g.runner == nil {
		res, err := g.step(ctx, "/", "cat", "/etc/cgohostlab-libc")
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(res.Stdout)), nil
	}
	pkg := "libc6"
	if g.Image.Libc == "musl" {
		pkg = "musl"
	}
	res, err := g.runExec(ctx, "/", "dpkg-query", "-W", "-f=${Version} ${Architecture}", pkg)
	if err != nil {
		return "", err
	}
	if res.ExitCode != 0 {
		return "", fmt.Errorf("read the version of %s in the %s runner: exit status %d\n%s", pkg, g.Image.Arch, res.ExitCode, res.Stderr)
	}
	return g.Image.Libc + " " + strings.TrimSpace(string(res.Stdout)), nil
}

// copyToRunner copies the build directory with the hosts into the runner.
func (g *Group) copyToRunner(ctx context.Context) error {
	if g.runner == nil {
		return nil
	}
	res, err := g.runExec(ctx, "/", "mkdir", "-p", "/lab")
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("mkdir /lab in the %s runner: exit status %d\n%s", g.Image.Arch, res.ExitCode, res.Stderr)
	}
	if err := g.Engine.CopyBetween(ctx, g.ContainerID(), buildDir, g.runnerID(), "/lab"); err != nil {
		return fmt.Errorf("copy hosts to the %s runner: %w", g.Image.Arch, err)
	}
	fmt.Fprintf(&g.BuildLog, "# copied %s into the %s runner %s\n", buildDir, g.Image.Arch, g.runnerID()[:12])
	return nil
}

// closeRunner removes the runner, if any.
func (g *Group) closeRunner(ctx context.Context) error {
	if g.runner == nil {
		return nil
	}
	id := g.runner.GetContainerID()
	err := g.runner.Terminate(ctx, testcontainers.StopTimeout(0))
	g.runner = nil
	if err != nil {
		return fmt.Errorf("remove runner %s of %s: %w", id[:12], g.Name(), err)
	}
	g.Engine.Log.Info("container removed", "id", id[:12], "group", g.Name())
	return nil
}
