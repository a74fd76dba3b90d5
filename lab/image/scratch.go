package image

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// scratch is the working area of one mmdebstrap run: a directory of the
// lab's own, given to mmdebstrap as TMPDIR for its temporary root, and the
// process group that mmdebstrap and its children run in.
//
// mmdebstrap cleans up after itself when it ends normally, and also when a
// terminal's Ctrl-C reaches its whole process group. A signal to its main
// process alone only makes that process wait for its worker, so an
// interrupted lab signals the group. Whatever mmdebstrap still leaves
// (processes, mounts of /proc, /sys and /dev in the temporary root, files)
// the lab removes itself.
type scratch struct {
	dir string
	cmd *exec.Cmd
}

func newScratch() (*scratch, error) {
	dir, err := os.MkdirTemp("", "cgohostlab-bootstrap-")
	if err != nil {
		return nil, fmt.Errorf("create a directory for mmdebstrap: %w", err)
	}
	return &scratch{dir: dir}, nil
}

// own makes cmd run with TMPDIR in the scratch directory, in a process
// group of its own that gets SIGINT when cmd's context ends.
func (s *scratch) own(cmd *exec.Cmd) {
	s.cmd = cmd
	cmd.Env = append(os.Environ(), "TMPDIR="+s.dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }
	cmd.WaitDelay = 20 * time.Second
}

// remove ends what is left of the process group, unmounts what is
// mounted below the scratch directory and removes it.
func (s *scratch) remove(log *slog.Logger) {
	if s.cmd != nil && s.cmd.Process != nil {
		pgid := s.cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGKILL)
		for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(100 * time.Millisecond) {
			if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
				break
			}
		}
	}
	mounts, err := mountsBelow(s.dir)
	if err != nil {
		log.Warn("cannot read the mount table to clean up after mmdebstrap", "err", err)
	}
	for _, m := range mounts {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil {
			log.Warn("cannot unmount what mmdebstrap left mounted", "path", m, "err", err)
		}
	}
	if len(mounts) > 0 {
		log.Info("unmounted what mmdebstrap left mounted", "mounts", len(mounts))
	}
	if err := os.RemoveAll(s.dir); err != nil {
		log.Warn("cannot remove mmdebstrap's temporary root", "dir", s.dir, "err", err)
	}
}

// mountsBelow returns the mount points below dir, deepest first.
func mountsBelow(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Field 5 is the mount point, with spaces and the like escaped
		// as octal; the lab's directory names have none.
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			out = append(out, fields[4])
		}
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	return out, sc.Err()
}
