package lab

// Tests of the lab as a whole process: each starts this test binary's
// TestMatrix in a child process on a small glibc matrix, as a user's
// `go test ./lab` would run, and checks what the child leaves behind.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/cgohostlab/cgohostlab/lab/engine"
	"github.com/cgohostlab/cgohostlab/lab/image"
	"github.com/cgohostlab/cgohostlab/lab/matrix"
	"github.com/cgohostlab/cgohostlab/lab/report"
)

// childCells is the matrix of the child runs: two groups (glibc/host/stock
// and glibc/host/sticky-bounds) with three cells.
var childCells = []string{"-images=glibc", "-toolchains=host", "-scenarios=startup,deepstack"}

// lockedBuffer collects a child's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// child is a lab run in another process.
type child struct {
	cmd    *exec.Cmd
	out    *lockedBuffer
	report string // report directory
	done   chan error
}

// startChild runs TestMatrix with the given flags in a new process group,
// with env added to the environment (and the cell filters of this
// process's environment removed).
func startChild(t *testing.T, env []string, flags ...string) *child {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"-test.run=^TestMatrix$", "-test.v", "-test.timeout=10m", "-report=" + dir}, childCells...)
	cmd := exec.Command(os.Args[0], append(args, flags...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CGOHOSTLAB_IMAGES=") && !strings.HasPrefix(kv, "CGOHOSTLAB_TOOLCHAINS=") &&
			!strings.HasPrefix(kv, "CGOHOSTLAB_VARIANTS=") && !strings.HasPrefix(kv, "CGOHOSTLAB_SCENARIOS=") &&
			!strings.HasPrefix(kv, "CGOHOSTLAB_SHARD=") && !strings.HasPrefix(kv, "CGOHOSTLAB_REPORT_DIR=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, out: out, report: dir, done: make(chan error, 1)}
	go func() { c.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-c.done
		}
	})
	return c
}

// waitFor waits until the child's output contains s, and fails the test
// when the child ends first or 10 minutes pass.
func (c *child) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		if strings.Contains(c.out.String(), s) {
			return
		}
		select {
		case err := <-c.done:
			c.done <- err
			t.Fatalf("the child ended (%v) before it wrote %q; its output:\n%s", err, s, c.out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("the child did not write %q in 10 minutes; its output:\n%s", s, c.out.String())
}

// wait waits for the child's end and returns its exit code.
func (c *child) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(limit):
		t.Fatalf("the child did not end within %s; its output:\n%s", limit, c.out.String())
	}
	if strings.Contains(c.out.String(), "panic:") {
		t.Errorf("the child panicked; its output:\n%s", c.out.String())
	}
	// Nothing the child started may outlive it, mmdebstrap included.
	if err := syscall.Kill(-c.cmd.Process.Pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("processes of the child's process group are still running after it ended")
	}
	return c.cmd.ProcessState.ExitCode()
}

func (c *child) readReport(t *testing.T) *report.Report {
	t.Helper()
	r, err := report.Read(filepath.Join(c.report, "report.json"))
	if err != nil {
		t.Fatalf("the child wrote no report: %v; its output:\n%s", err, c.out.String())
	}
	return r
}

// owner is the owner label of the child's containers.
func (c *child) owner() string {
	hostname, _ := os.Hostname()
	return hostname + ":" + strconv.Itoa(c.cmd.Process.Pid)
}

// skipUnlessGlibc skips tests whose child runs need the glibc image when
// this process's filters leave it out.
func skipUnlessGlibc(t *testing.T) {
	if f := currentFilter(); len(f.Images) > 0 && !slices.Contains(f.Images, "glibc") {
		t.Skip("the child runs use the glibc image, which -images leaves out")
	}
}

func connectEngine(t *testing.T) *engine.Engine {
	t.Helper()
	e, err := engine.Connect(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// containersOf lists the containers whose label matches label=value.
func containersOf(t *testing.T, e *engine.Engine, label string) []string {
	t.Helper()
	list, err := e.Client.ContainerList(context.Background(), client.ContainerListOptions{
		All: true, Filters: make(client.Filters).Add("label", label),
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range list.Items {
		out = append(out, fmt.Sprintf("%s %s (%s)", c.ID[:12], c.Image, c.State))
	}
	return out
}

// TestShardsMergeToOneRun runs a small matrix whole and as two shards in
// separate processes, merges the shard reports and checks that the
// merged report has the single run's cells and verdicts.
func TestShardsMergeToOneRun(t *testing.T) {
	skipUnlessGlibc(t)
	whole := startChild(t, nil)
	if code := whole.wait(t, 10*time.Minute); code != 0 {
		t.Fatalf("the unsharded run exited with %d:\n%s", code, whole.out.String())
	}
	var paths []string
	for _, shard := range []string{"1/2", "2/2"} {
		c := startChild(t, nil, "-shard="+shard)
		if code := c.wait(t, 10*time.Minute); code != 0 {
			t.Fatalf("shard %s exited with %d:\n%s", shard, code, c.out.String())
		}
		if r := c.readReport(t); len(r.Cells) == 0 || len(r.Cells) == len(r.Selection) {
			t.Errorf("shard %s ran %d of %d cells; want a proper part", shard, len(r.Cells), len(r.Selection))
		}
		paths = append(paths, filepath.Join(c.report, "report.json"))
	}
	merged, err := report.Merge(paths)
	if err != nil {
		t.Fatal(err)
	}
	single := whole.readReport(t)
	if len(merged.Missing) > 0 || len(merged.Unfinished) > 0 {
		t.Errorf("merged report: missing %v, unfinished %v", merged.Missing, merged.Unfinished)
	}
	if len(merged.Cells) != len(single.Cells) {
		t.Errorf("merged report has %d cells, the single run %d", len(merged.Cells), len(single.Cells))
	}
	for _, d := range report.Compare([]*report.Report{single, merged}) {
		t.Errorf("verdict differs (single run | merged shards): %s", d)
	}
}

// TestInterruptedRunsLeaveNothing interrupts a run with SIGINT during a
// base bootstrap, an image build and a cell run. Each time it checks that
// nothing of the run remains (containers, half-made images, mmdebstrap
// and its temporary root) and that the report lists the unfinished cells.
// Then it checks that the next run succeeds. Salted content hashes
// (image.BaseSaltEnv, image.ImageSaltEnv) make the first two phases build
// anew without touching the images that other runs use.
func TestInterruptedRunsLeaveNothing(t *testing.T) {
	skipUnlessGlibc(t)
	if os.Geteuid() != 0 {
		t.Skip("the bootstrap phase needs root, as mmdebstrap's root mode does")
	}
	e := connectEngine(t)
	salt := "interrupt-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	im, err := matrix.ImageByName("glibc")
	if err != nil {
		t.Fatal(err)
	}
	base, err := image.BaseByName(im.Base)
	if err != nil {
		t.Fatal(err)
	}

	phases := []struct {
		name string
		env  []string
		at   string                 // the child's log line that starts the phase
		wait time.Duration          // how long into the phase to interrupt
		tag  func() (string, error) // the image the phase must not leave behind
	}{
		{"base bootstrap", []string{image.BaseSaltEnv + "=" + salt}, `msg="bootstrap base image"`, 20 * time.Second,
			func() (tag string, err error) {
				withEnv(image.BaseSaltEnv, salt, func() { tag = base.Tag() })
				return tag, nil
			}},
		{"image build", []string{image.ImageSaltEnv + "=" + salt}, `msg="build lab image"`, 0,
			func() (tag string, err error) {
				withEnv(image.ImageSaltEnv, salt, func() { tag, err = im.Image.Tag(base.Tag()) })
				return tag, err
			}},
		{"cell run", nil, `msg="cell done"`, 0, nil},
	}
	for _, p := range phases {
		t.Run(strings.ReplaceAll(p.name, " ", "-"), func(t *testing.T) {
			tmp := t.TempDir() // mmdebstrap's temporary root goes here
			start := time.Now()
			c := startChild(t, append(slices.Clone(p.env), "TMPDIR="+tmp))
			c.waitFor(t, p.at)
			time.Sleep(p.wait)
			if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			code := c.wait(t, 3*time.Minute)
			t.Logf("interrupted %s after the phase began; exit %d", time.Since(start).Round(time.Millisecond), code)
			for _, line := range strings.Split(c.out.String(), "\n") {
				if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") || strings.Contains(line, "unmounted") {
					t.Logf("child: %.300s", line)
				}
			}
			if code == 0 {
				t.Errorf("the interrupted run exited with 0")
			}
			if !strings.Contains(c.out.String(), "run interrupted") {
				t.Errorf("the child did not say that the run was interrupted:\n%s", c.out.String())
			}
			r := c.readReport(t)
			if r.Interrupted == "" || len(r.Unfinished) == 0 {
				t.Errorf("report: interrupted %q, unfinished %v; want the interruption and the cells without a verdict",
					r.Interrupted, r.Unfinished)
			}
			if left := containersOf(t, e, engine.LabelOwner+"="+c.owner()); len(left) > 0 {
				t.Errorf("containers of the interrupted run remain: %v", left)
			}
			if p.tag != nil {
				tag, err := p.tag()
				if err != nil {
					t.Fatal(err)
				}
				// The build's own containers carry the base image's labels,
				// and the engine removes them when the build ends.
				var left []string
				for wait := time.Now(); time.Since(wait) < 2*time.Minute; time.Sleep(time.Second) {
					if left = buildContainers(t, e, start, time.Now()); len(left) == 0 {
						break
					}
				}
				if len(left) > 0 {
					t.Errorf("build containers of the interrupted run remain: %v", left)
				}
				// The engine may finish a build after its client left. Its
				// image is then complete, with the lab's labels as its last
				// step, and is kept as a cache like any other. A tag
				// without the labels is a half-made image.
				if im, err := e.Client.ImageInspect(context.Background(), tag); err == nil {
					if im.Config == nil || im.Config.Labels[engine.LabelKind] != engine.KindImage {
						t.Errorf("the interrupted %s left a half-made image %s", p.name, tag)
					} else {
						t.Logf("the engine finished the build of %s after the run ended; the image is complete", tag)
					}
					e.Client.ImageRemove(context.Background(), tag, client.ImageRemoveOptions{Force: true})
				}
			}
			if pids := processesWithTMPDIR(tmp); len(pids) > 0 {
				t.Errorf("processes of the interrupted run are still running: %v", pids)
			}
			entries, _ := os.ReadDir(tmp)
			for _, en := range entries {
				t.Errorf("the interrupted run left %s in its TMPDIR", filepath.Join(tmp, en.Name()))
			}
			if mounts, err := os.ReadFile("/proc/mounts"); err == nil && strings.Contains(string(mounts), tmp) {
				t.Errorf("the interrupted run left mounts under %s", tmp)
			}
		})
	}

	t.Run("next-run", func(t *testing.T) {
		c := startChild(t, nil)
		if code := c.wait(t, 10*time.Minute); code != 0 {
			t.Fatalf("the run after the interruptions exited with %d:\n%s", code, c.out.String())
		}
		if r := c.readReport(t); len(r.Cells) != len(r.Planned) || len(r.Unfinished) > 0 {
			t.Errorf("the next run finished %d of %d cells", len(r.Cells), len(r.Planned))
		}
	})
}

// processesWithTMPDIR returns the processes whose TMPDIR lies in dir:
// what a child started (mmdebstrap runs in a process group of its own).
func processesWithTMPDIR(dir string) []string {
	procs, _ := filepath.Glob("/proc/[0-9]*/environ")
	var out []string
	for _, p := range procs {
		env, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if bytes.HasPrefix(kv, []byte("TMPDIR="+dir)) {
				cmdline, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "cmdline"))
				out = append(out, filepath.Base(filepath.Dir(p))+" "+string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
			}
		}
	}
	return out
}

// withEnv calls f with the environment variable key set to value, for
// the salted tags that package image computes from the environment.
func withEnv(key, value string, f func()) {
	old, had := os.LookupEnv(key)
	os.Setenv(key, value)
	defer func() {
		if had {
			os.Setenv(key, old)
		} else {
			os.Unsetenv(key)
		}
	}()
	f()
}

// buildContainers lists the containers created between start and end
// from lab images (which carry the lab's image labels): the containers of
// the image builds of that time.
func buildContainers(t *testing.T, e *engine.Engine, start, end time.Time) []string {
	list, err := e.Client.ContainerList(context.Background(), client.ContainerListOptions{
		All: true, Filters: make(client.Filters).Add("label", engine.LabelKind+"="+engine.KindImage),
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range list.Items {
		if created := time.Unix(c.Created, 0); created.After(start.Add(-time.Second)) && created.Before(end.Add(time.Second)) {
			out = append(out, c.ID[:12]+" "+c.Image)
		}
	}
	return out
}

// socketProxy forwards a Unix socket to the engine's, until it is stopped:
// to the lab on the other side, the engine is then gone.
type socketProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, path, target string) *socketProxy {
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	p := &socketProxy{ln: ln}
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("unix", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(p.stop)
	return p
}

func (p *socketProxy) stop() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// TestEngineGoneMidRun runs the lab against the engine through a socket
// proxy and stops the proxy after the first cell: the run must end with
// a clear error and a report that lists the unfinished cells, without a
// panic.
func TestEngineGoneMidRun(t *testing.T) {
	skipUnlessGlibc(t)
	target := "/var/run/docker.sock"
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		var ok bool
		if target, ok = strings.CutPrefix(h, "unix://"); !ok {
			t.Skipf("DOCKER_HOST is %s; this test proxies a Unix socket", h)
		}
	}
	sock := filepath.Join(t.TempDir(), "docker.sock")
	proxy := startProxy(t, sock, target)
	e := connectEngine(t)

	c := startChild(t, []string{"DOCKER_HOST=unix://" + sock}, "-scenarios=startup,deepstack,churn,stackswitch")
	t.Cleanup(func() {
		// The child could not remove its containers; the real engine can.
		list, _ := e.Client.ContainerList(context.Background(), client.ContainerListOptions{
			All: true, Filters: make(client.Filters).Add("label", engine.LabelOwner+"="+c.owner()),
		})
		for _, x := range list.Items {
			e.RemoveContainer(context.Background(), x.ID)
		}
	})
	c.waitFor(t, `msg="cell done"`)
	proxy.stop()

	code := c.wait(t, 2*time.Minute)
	out := c.out.String()
	t.Logf("the child's output after the engine went away:\n%s", out[strings.LastIndex(out, `msg="cell done"`):])
	if code == 0 {
		t.Errorf("the run exited with 0 after its engine went away")
	}
	if !strings.Contains(out, "stopped answering") {
		t.Errorf("the child did not say that the engine stopped answering:\n%s", out)
	}
	r := c.readReport(t)
	if !strings.Contains(r.Interrupted, "stopped answering") {
		t.Errorf("report.interrupted = %q, want the engine's disappearance", r.Interrupted)
	}
	if len(r.Cells) == 0 || len(r.Unfinished) == 0 {
		t.Errorf("report: %d cells with verdicts, unfinished %v; want the finished cells and the rest listed", len(r.Cells), r.Unfinished)
	}
	md, err := os.ReadFile(filepath.Join(c.report, "report.md"))
	if err != nil || !strings.Contains(string(md), "did not finish") {
		t.Errorf("report.md does not list the unfinished cells (%v)", err)
	}
}
