// Package cell runs the cells of one (image, toolchain, variant) group in
// one container. It starts the container, builds the Go library with the
// variant's runtime overlay and every host with the image's C compiler,
// and runs hosts under a timeout.
package cell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/testcontainers/testcontainers-go"

	cgohostlab "github.com/cgohostlab/cgohostlab"
	"github.com/cgohostlab/cgohostlab/lab/engine"
	"github.com/cgohostlab/cgohostlab/lab/judge"
	"github.com/cgohostlab/cgohostlab/lab/matrix"
	"github.com/cgohostlab/cgohostlab/lab/overlay"
)

// Paths inside a cell container.
const (
	// mountedGOROOT is where a toolchain from the host is mounted.
	mountedGOROOT = "/opt/cgohostlab/go"
	cacheDir      = "/cache"
	srcDir        = "/lab/src"
	overlayDir    = "/lab/overlay"
	buildDir      = "/lab/build"
)

// killAfter is how long a host has to die after the SIGQUIT that ends its
// timeout (time for Go to print its traceback) before SIGKILL.
const killAfter = 10 * time.Second

// Group is a running container for one (image, toolchain, variant).
type Group struct {
	Engine    *engine.Engine
	Image     matrix.Image
	ImageTag  string
	Toolchain matrix.Toolchain
	Variant   overlay.Variant

	// Set by Build.
	GoVersion string
	Libc      string
	Binaries  map[string]Binary
	BuildLog  strings.Builder
	// Reused counts the libraries and hosts that Build took from the
	// output cache instead of building them.
	Reused int

	container testcontainers.Container
	// runner runs the hosts of an image of another architecture (arch.go);
	// nil when container runs them.
	runner testcontainers.Container
	goroot string // GOROOT inside the container
	env    []string

	// outputs hashes the inputs that name the output-cache folders.
	outputs outputKeys
}

// Binary is a compiled host.
type Binary struct {
	Path string `json:"path"`
	// Interpreter is the ELF program interpreter, or "static".
	Interpreter string `json:"interpreter"`
}

// HostGOROOT returns the GOROOT of the Go that built the running binary.
func HostGOROOT() (string, error) {
	if r := os.Getenv("GOROOT"); r != "" {
		return r, nil
	}
	// runtime.GOROOT is deprecated, but it is exactly the toolchain that
	// built this binary, which is the one the lab tests as "host".
	if r := runtime.GOROOT(); r != "" {
		return r, nil
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("find the host's GOROOT: set GOROOT or put go in PATH: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// DownloadGOROOT returns the GOROOT of Go release (such as "go1.27.3"),
// which the go command fetches from the module proxy into the host's
// module cache the first time.
func DownloadGOROOT(ctx context.Context, release string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOROOT")
	// Outside any module, so no go.mod's toolchain line competes.
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN="+release, "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("fetch %s with GOTOOLCHAIN=%s go env GOROOT: %w\n%s", release, release, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1], nil
}

// CacheVolume returns the name of the build-cache volume of an image and
// toolchain. The Go build cache does not track C system headers, so each
// image needs its own. CGOHOSTLAB_CACHE_SALT, when set, is appended, so
// a cold timing can start from empty caches without removing the shared
// ones.
func CacheVolume(image, toolchain string) string {
	name := "cgohostlab-gocache-" + image + "-" + toolchain
	if salt := os.Getenv(CacheSaltEnv); salt != "" {
		name += "-" + unsafeVolumeChars.ReplaceAllString(salt, "_")
	}
	return name
}

// CacheSaltEnv names the environment variable that CacheVolume appends.
const CacheSaltEnv = "CGOHOSTLAB_CACHE_SALT"

// Start creates and starts the group's container, like
// `docker run -d --label ... -v GOROOT:/opt/cgohostlab/go:ro -v CACHE:/cache IMAGE sleep infinity`.
func Start(ctx context.Context, e *engine.Engine, im matrix.Image, tag string, tc matrix.Toolchain, v overlay.Variant) (*Group, error) {
	g := &Group{Engine: e, Image: im, ImageTag: tag, Toolchain: tc, Variant: v}
	var mounts []mount.Mount
	switch tc.Kind {
	case matrix.Debian:
		g.goroot = tc.GOROOT()
	case matrix.Host, matrix.Download:
		hostRoot, err := HostGOROOT()
		if tc.Kind == matrix.Download {
			hostRoot, err = DownloadGOROOT(ctx, tc.Release)
		}
		if err != nil {
			return nil, err
		}
		g.goroot = mountedGOROOT
		if mustCopyGOROOT(ctx, e, tag, hostRoot) {
			vol, err := GOROOTVolume(ctx, e, tag, hostRoot)
			if err != nil {
				return nil, err
			}
			mounts = append(mounts, mount.Mount{Type: mount.TypeVolume, Source: vol, Target: mountedGOROOT, ReadOnly: true})
			break
		}
		mounts = append(mounts, mount.Mount{Type: mount.TypeBind, Source: hostRoot, Target: mountedGOROOT, ReadOnly: true})
	default:
		return nil, fmt.Errorf("toolchain %s: unknown kind %q", tc.Name, tc.Kind)
	}
	cacheImage := im.Name
	if im.CacheImage != "" {
		cacheImage = im.CacheImage
	}
	vol := CacheVolume(cacheImage, tc.Name)
	if err := e.EnsureVolume(ctx, vol, engine.KindCache); err != nil {
		return nil, err
	}

	g.env = []string{
		"GOROOT=" + g.goroot,
		"PATH=" + g.goroot + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"GOCACHE=" + cacheDir + "/go-build",
		"GOPATH=" + cacheDir + "/gopath",
		"GOTOOLCHAIN=local",
		"GOPROXY=off",
		"GOFLAGS=-buildvcs=false",
		"CGO_ENABLED=1",
		"CC=" + im.CC,
	}
	g.env = append(g.env, archEnv(im)...)
	mounts = append(mounts, mount.Mount{Type: mount.TypeVolume, Source: vol, Target: cacheDir})
	c, err := startIdle(ctx, e, tag, mounts)
	if err != nil {
		return nil, fmt.Errorf("start container for %s/%s/%s from %s: %w", im.Name, tc.Name, v.Name, tag, err)
	}
	g.container = c
	e.Log.Info("container started", "id", c.GetContainerID()[:12], "group", g.Name(), "image", tag)
	return g, nil
}

// startIdle starts a cell container of image tag that runs
// `sleep infinity` with mounts, like `docker run -d --label ... IMAGE
// sleep infinity`, for commands run in it with Exec. On an error no
// container is left.
func startIdle(ctx context.Context, e *engine.Engine, tag string, mounts []mount.Mount) (testcontainers.Container, error) {
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:  tag,
			Cmd:    []string{"sleep", "infinity"},
			Labels: e.Labels(engine.KindCell),
			HostConfigModifier: func(hc *container.HostConfig) {
				hc.Mounts = append(hc.Mounts, mounts...)
			},
		},
		Started: true,
	}
	c, err := testcontainers.GenericContainer(ctx, req)
	if err != nil {
		if c != nil {
			e.RemoveContainer(context.WithoutCancel(ctx), c.GetContainerID())
		}
		return nil, err
	}
	return c, nil
}

// Name returns "image/toolchain/variant".
func (g *Group) Name() string {
	return g.Image.Name + "/" + g.Toolchain.Name + "/" + g.Variant.Name
}

// ContainerID returns the id of the group's container.
func (g *Group) ContainerID() string {
	return g.container.GetContainerID()
}

// Close stops and removes the container.
func (g *Group) Close(ctx context.Context) error {
	runnerErr := g.closeRunner(ctx)
	if g.container == nil {
		return runnerErr
	}
	id := g.ContainerID()
	err := g.container.Terminate(ctx, testcontainers.StopTimeout(0))
	if err != nil {
		return errors.Join(fmt.Errorf("remove container %s of %s: %w", id[:12], g.Name(), err), runnerErr)
	}
	g.Engine.Log.Info("container removed", "id", id[:12], "group", g.Name())
	g.container = nil
	return runnerErr
}

func (g *Group) exec(ctx context.Context, dir string, cmd ...string) (*engine.ExecResult, error) {
	return g.Engine.Exec(ctx, g.ContainerID(), dir, g.env, cmd)
}

// step runs a build command, logs it and its output into BuildLog, and
// returns an error that carries the output when the command fails.
func (g *Group) step(ctx context.Context, dir string, cmd ...string) (*engine.ExecResult, error) {
	res, err := g.exec(ctx, dir, cmd...)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&g.BuildLog, "$ %s\n%s%s", strings.Join(cmd, " "), res.Stdout, res.Stderr)
	if res.ExitCode != 0 {
		return res, fmt.Errorf("%s: exit status %d\n%s%s", strings.Join(cmd, " "), res.ExitCode, res.Stdout, res.Stderr)
	}
	return res, nil
}

// readGOROOT reads a file of the container's toolchain.
func (g *Group) readGOROOT(ctx context.Context) overlay.ReadFunc {
	return func(rel string) ([]byte, error) {
		res, err := g.exec(ctx, "/", "cat", g.goroot+"/"+rel)
		if err != nil {
			return nil, err
		}
		if res.ExitCode != 0 {
			if bytes.Contains(res.Stderr, []byte("No such file")) {
				return nil, fmt.Errorf("%s in %s: %w", rel, g.goroot, fs.ErrNotExist)
			}
			return nil, fmt.Errorf("%s", bytes.TrimSpace(res.Stderr))
		}
		return res.Stdout, nil
	}
}

var interpreterLine = regexp.MustCompile(`Requesting program interpreter: ([^\]]+)\]`)

// Build copies the sources into the container, builds the Go libraries
// that the hosts use with the variant's overlay, and compiles the hosts.
func (g *Group) Build(ctx context.Context, hosts []Host) error {
	start := time.Now()
	res, err := g.step(ctx, "/", "go", "version")
	if err != nil {
		return err
	}
	g.GoVersion = strings.TrimPrefix(strings.TrimSpace(string(res.Stdout)), "go version ")
	if g.Libc, err = g.readLibc(ctx); err != nil {
		return err
	}

	files, err := g.Variant.Files(g.readGOROOT(ctx))
	if err != nil {
		return fmt.Errorf("overlay for %s on %s: %w", g.Variant.Name, g.GoVersion, err)
	}
	if err := g.addStackBound(ctx, files); err != nil {
		return err
	}
	files["overlay.json"] = overlay.JSON(g.goroot, overlayDir, files)
	if err := g.Engine.CopyFiles(ctx, g.ContainerID(), "/", prefixed("lab/overlay/", files)); err != nil {
		return err
	}
	sources := map[string][]byte{"lab/src/golibs/go.mod": []byte(cgohostlab.GolibsGoMod)}
	err = fs.WalkDir(cgohostlab.Sources, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, "images/") {
			return err
		}
		data, err := fs.ReadFile(cgohostlab.Sources, p)
		sources["lab/src/"+p] = data
		return err
	})
	if err != nil {
		return err
	}
	if err := g.Engine.CopyFiles(ctx, g.ContainerID(), "/", sources); err != nil {
		return err
	}
	if _, err := g.step(ctx, "/", "mkdir", "-p", buildDir); err != nil {
		return err
	}

	g.outputs = newOutputKeys(g.ImageTag, g.GoVersion, files, sources)
	if err := g.buildHosts(ctx, hosts, sources["lab/src/golibs/lab/probe.go"]); err != nil {
		return err
	}
	if err := g.copyToRunner(ctx); err != nil {
		return err
	}
	g.Engine.Log.Info("group built", "group", g.Name(), "go", g.GoVersion, "libc", g.Libc,
		"reused outputs", g.Reused, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

func prefixed(prefix string, files map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range files {
		out[path.Join(prefix, k)] = v
	}
	return out
}

// RunResult is one run of a host.
type RunResult struct {
	Command  []string
	Exit     judge.Exit
	Stdout   []byte
	Stderr   []byte
	Duration time.Duration
}

// Run runs host with args and the extra environment env under `timeout`:
// SIGQUIT at the timeout so a Go traceback reaches stderr, SIGKILL
// killAfter later. Core dumps are off. A non-empty stackLimit is the
// RLIMIT_STACK soft limit the host starts under, as `ulimit -s` takes it
// (KiB or "unlimited").
func (g *Group) Run(ctx context.Context, host string, args []string, env map[string]string, stackLimit string, timeout time.Duration) (*RunResult, error) {
	bin, ok := g.Binaries[host]
	if !ok {
		return nil, fmt.Errorf("host %s was not built in %s", host, g.Name())
	}
	var cmd []string
	if len(env) > 0 {
		// env(1) on the command line, so the report's command shows the
		// scenario's variables.
		cmd = []string{"env"}
		for _, k := range slices.Sorted(maps.Keys(env)) {
			cmd = append(cmd, k+"="+env[k])
		}
	}
	limits := "ulimit -c 0"
	if stackLimit != "" {
		limits += " && ulimit -s " + stackLimit
	}
	cmd = append(cmd, "sh", "-c", limits+` && exec timeout -s QUIT -k "$0" "$@"`,
		strconv.Itoa(int(killAfter.Seconds()))+"s", strconv.Itoa(int(timeout.Seconds()))+"s", bin.Path)
	cmd = append(cmd, args...)
	start := time.Now()
	// The engine call gets a deadline past the host's own, so the host's
	// timeout acts first and a stuck exec still ends.
	ctx, cancel := context.WithTimeout(ctx, timeout+killAfter+30*time.Second)
	defer cancel()
	res, err := g.runExec(ctx, "/lab", cmd...)
	if err != nil {
		return nil, err
	}
	took := time.Since(start)
	return &RunResult{
		Command:  cmd,
		Exit:     judge.DecodeExit(res.ExitCode, took >= timeout),
		Stdout:   res.Stdout,
		Stderr:   res.Stderr,
		Duration: took,
	}, nil
}
