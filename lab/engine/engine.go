// Package engine connects the lab to a Docker engine and owns the labels
// by which the lab finds, keeps or removes what it created there.
package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// Labels the lab puts on what it creates.
const (
	// LabelLab marks every object of the lab.
	LabelLab = "org.cgohostlab"
	// LabelKind is one of the Kind values below.
	LabelKind = "org.cgohostlab.kind"
	// LabelOwner is "hostname:pid" of the lab process that created a
	// container, so a later run can tell whether its creator is gone.
	LabelOwner = "org.cgohostlab.owner"
	// LabelRun is the run id of the lab process that created a container.
	LabelRun = "org.cgohostlab.run"
)

// Kinds of objects. Images and caches persist on purpose; cell containers
// live only while their run does.
const (
	KindImage = "image"
	KindCache = "cache"
	KindCell  = "cell"
)

// Engine is a connected Docker engine.
type Engine struct {
	Client  *client.Client
	Host    string // DOCKER_HOST or the default socket, for messages
	Version string // engine version
	RunID   string
	Owner   string
	Log     *slog.Logger
}

// Connect returns a connection to the engine that DOCKER_HOST names (or the
// default socket), or an error that explains how to start one.
func Connect(ctx context.Context, log *slog.Logger) (*Engine, error) {
	// The lab has no registry to pull the Ryuk reaper image from; it labels
	// what it creates and removes it itself.
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	// testcontainers prints a banner and per-container lines; the lab logs
	// its own container starts and stops, so those go to debug level.
	tclog.SetDefault(debugLogger{log})
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = "unix:///var/run/docker.sock (the default; DOCKER_HOST is not set)"
	}
	help := fmt.Sprintf("no Docker engine answered at %s: start one (for example `systemctl start docker` or `dockerd &` as root) or set DOCKER_HOST to an engine that answers", host)

	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// The client reads DOCKER_HOST and the TLS variables itself, and only
	// those. testcontainers would fall back to other sockets when the
	// engine DOCKER_HOST names does not respond, and the lab must not test
	// an engine the user did not name. Containers are created through
	// testcontainers, which takes DOCKER_HOST first.
	cli, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", help, err)
	}
	v, err := cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("%s: %w", help, err)
	}
	hostname, _ := os.Hostname()
	e := &Engine{
		Client:  cli,
		Host:    host,
		Version: v.Version,
		RunID:   strconv.FormatInt(time.Now().UnixNano(), 36),
		Owner:   fmt.Sprintf("%s:%d", hostname, os.Getpid()),
		Log:     log,
	}
	return e, nil
}

type debugLogger struct{ log *slog.Logger }

func (d debugLogger) Printf(format string, v ...any) {
	d.log.Debug(strings.TrimSpace(fmt.Sprintf(format, v...)), "from", "testcontainers")
}

// Ping returns nil when the engine responds within 10 seconds, and else an
// error that names the engine. The lab uses it to tell whether a failed
// call failed because the engine itself is gone.
func (e *Engine) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := e.Client.Ping(ctx, client.PingOptions{}); err != nil {
		return fmt.Errorf("the Docker engine at %s stopped answering: %w", e.Host, err)
	}
	return nil
}

// Labels returns the labels for a new object of kind.
func (e *Engine) Labels(kind string) map[string]string {
	l := map[string]string{LabelLab: "true", LabelKind: kind}
	if kind == KindCell {
		l[LabelRun] = e.RunID
		l[LabelOwner] = e.Owner
	}
	return l
}

// ForeignAge is the age at which Sweep removes a cell container of another
// host. The lab cannot see whether a process on another host
// (another machine sharing a remote engine, or the runner container,
// whose hostname is its container id) is alive, so it waits longer than
// any run lasts.
const ForeignAge = 6 * time.Hour

// Sweep removes cell containers whose creating process on this host is
// gone, and those of other hosts older than ForeignAge: what interrupted
// or killed runs left behind.
func (e *Engine) Sweep(ctx context.Context) error {
	list, err := e.Client.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", LabelKind+"="+KindCell),
	})
	if err != nil {
		return fmt.Errorf("list lab containers: %w", err)
	}
	hostname, _ := os.Hostname()
	for _, c := range list.Items {
		owner := c.Labels[LabelOwner]
		host, pidText, _ := strings.Cut(owner, ":")
		pid, _ := strconv.Atoi(pidText)
		if host == hostname && pid > 0 && processAlive(pid) {
			continue
		}
		if host != hostname && time.Since(time.Unix(c.Created, 0)) < ForeignAge {
			continue
		}
		e.Log.Info("remove leftover lab container", "id", shortID(c.ID), "owner", owner)
		if err := e.RemoveContainer(ctx, c.ID); err != nil {
			return err
		}
	}
	return nil
}

// RemoveRun removes every container of this run: the cleanup on an
// interrupt or a deadline, when the normal teardown cannot run.
func (e *Engine) RemoveRun(ctx context.Context) error {
	return e.removeContainers(ctx, LabelRun+"="+e.RunID)
}

// RemoveContainer force-removes a container and its anonymous volumes,
// like `docker rm -f -v`.
func (e *Engine) RemoveContainer(ctx context.Context, id string) error {
	_, err := e.Client.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !strings.Contains(err.Error(), "No such container") {
		return fmt.Errorf("remove container %s: %w", id, err)
	}
	return nil
}

// EnsureVolume creates the named volume with labels for kind if it does
// not exist, like `docker volume create`.
func (e *Engine) EnsureVolume(ctx context.Context, name, kind string) error {
	_, err := e.Client.VolumeCreate(ctx, client.VolumeCreateOptions{Name: name, Labels: e.Labels(kind)})
	if err != nil {
		return fmt.Errorf("create volume %s: %w", name, err)
	}
	return nil
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// ExecResult is the outcome of a command run in a container.
type ExecResult struct {
	ExitCode int
	Stdout   []byte
	Stderr   []byte
}

// Exec runs cmd in the container with extra environment variables, like
// `docker exec -e ... -w dir`, and returns its exit status and both
// streams whole. A non-zero exit status is not an error.
func (e *Engine) Exec(ctx context.Context, containerID, dir string, env, cmd []string) (*ExecResult, error) {
	created, err := e.Client.ExecCreate(ctx, containerID, client.ExecCreateOptions{
		AttachStdout: true,
		AttachStderr: true,
		Env:          env,
		WorkingDir:   dir,
		Cmd:          cmd,
	})
	if err != nil {
		return nil, fmt.Errorf("exec %q: %w", cmd, err)
	}
	attach, err := e.Client.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return nil, fmt.Errorf("exec %q: attach: %w", cmd, err)
	}
	defer attach.Close()

	var stdout, stderr bytes.Buffer
	copied := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(&stdout, &stderr, attach.Reader)
		copied <- err
	}()
	select {
	case err := <-copied:
		if err != nil {
			return nil, fmt.Errorf("exec %q: read output: %w", cmd, err)
		}
	case <-ctx.Done():
		return nil, fmt.Errorf("exec %q: %w", cmd, ctx.Err())
	}

	// The engine marks the exec as ended shortly after closing its streams.
	for {
		info, err := e.Client.ExecInspect(ctx, created.ID, client.ExecInspectOptions{})
		if err != nil {
			return nil, fmt.Errorf("exec %q: inspect: %w", cmd, err)
		}
		if !info.Running {
			return &ExecResult{ExitCode: info.ExitCode, Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("exec %q: %w", cmd, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// CopyFiles copies files (path relative to dest, content) into the
// container.
func (e *Engine) CopyFiles(ctx context.Context, containerID, dest string, files map[string][]byte) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range files {
		if err := writeTarFile(tw, name, data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return e.CopyTar(ctx, containerID, dest, &buf)
}

// CopyTar unpacks a tar stream into the container at dest.
func (e *Engine) CopyTar(ctx context.Context, containerID, dest string, r io.Reader) error {
	_, err := e.Client.CopyToContainer(ctx, containerID, client.CopyToContainerOptions{DestinationPath: dest, Content: r})
	if err != nil {
		return fmt.Errorf("copy into container %s at %s: %w", containerID[:12], dest, err)
	}
	return nil
}

func writeTarFile(tw *tar.Writer, name string, data []byte) error {
	hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0)}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// Clean removes everything of the lab from the engine: cell containers of
// any run, lab and base images, and build-cache volumes. It is for a cold
// start; a run in progress loses its containers.
func (e *Engine) Clean(ctx context.Context) error {
	if err := e.removeContainers(ctx, LabelKind+"="+KindCell); err != nil {
		return err
	}
	imgs, err := e.Client.ImageList(ctx, client.ImageListOptions{
		Filters: make(client.Filters).Add("label", LabelLab+"=true"),
	})
	if err != nil {
		return fmt.Errorf("list lab images: %w", err)
	}
	// Lab images are built on the bases, so remove bases last.
	slices.SortStableFunc(imgs.Items, func(a, b image.Summary) int {
		return boolInt(isBase(a)) - boolInt(isBase(b))
	})
	var errs []error
	for _, im := range imgs.Items {
		e.Log.Info("remove lab image", "id", shortID(im.ID), "tags", strings.Join(im.RepoTags, " "))
		_, err := e.Client.ImageRemove(ctx, im.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		if err != nil && !strings.Contains(err.Error(), "No such image") {
			errs = append(errs, fmt.Errorf("remove image %s: %w", shortID(im.ID), err))
		}
	}
	vols, err := e.Client.VolumeList(ctx, client.VolumeListOptions{
		Filters: make(client.Filters).Add("label", LabelKind+"="+KindCache),
	})
	if err != nil {
		return fmt.Errorf("list lab volumes: %w", err)
	}
	for _, v := range vols.Items {
		e.Log.Info("remove lab volume", "name", v.Name)
		if _, err := e.Client.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", v.Name, err))
		}
	}
	return errors.Join(errs...)
}

func (e *Engine) removeContainers(ctx context.Context, label string) error {
	list, err := e.Client.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", label),
	})
	if err != nil {
		return fmt.Errorf("list lab containers: %w", err)
	}
	var errs []error
	for _, c := range list.Items {
		e.Log.Info("remove lab container", "id", shortID(c.ID))
		errs = append(errs, e.RemoveContainer(ctx, c.ID))
	}
	return errors.Join(errs...)
}

func isBase(im image.Summary) bool {
	for _, t := range im.RepoTags {
		if strings.HasPrefix(t, "cgohostlab-base:") {
			return true
		}
	}
	return false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
