// Package binfmt makes the kernel run ELF binaries of other CPUs through
// qemu-user, so containers of another architecture's root filesystem run
// on this machine. It uses binfmt_misc with the interpreters and entries
// of Debian's qemu-user-static package.
//
// The F flag matters: with it the kernel opens the interpreter when the
// entry is registered, so the interpreter need not exist inside the
// containers that run the foreign binaries.
package binfmt

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// Paths of binfmt_misc and of Debian's qemu-user-static entries.
const (
	miscDir = "/proc/sys/fs/binfmt_misc"
	// confDir holds one entry per CPU in the register format, installed
	// by qemu-user-static for systemd-binfmt.
	confDir = "/usr/lib/binfmt.d"
)

// qemuNames maps Debian architectures to qemu's names. Architectures
// that this machine's kernel runs itself (amd64, and i386 through the
// kernel's 32-bit emulation) have none.
var qemuNames = map[string]string{
	"arm64":   "aarch64",
	"armhf":   "arm",
	"riscv64": "riscv64",
	"ppc64el": "ppc64le",
	"s390x":   "s390x",
}

// Native reports whether the machine's kernel runs binaries of the
// Debian architecture arch without an interpreter.
// NOTE: it assumes an amd64 kernel built with IA32_EMULATION, as
// Debian's is, for i386.
func Native(arch string) bool {
	return arch == "" || arch == "amd64" || arch == "i386"
}

// Emulated reports whether binaries of arch run through qemu-user here.
func Emulated(arch string) bool {
	return !Native(arch)
}

var (
	mu    sync.Mutex
	ready = map[string]error{}
)

// Ensure checks that the kernel runs ELF binaries of the Debian
// architecture arch through qemu-user with the F flag. When the entry is
// missing and the lab runs as root, it installs qemu-user-static if
// needed (InstallTools), mounts binfmt_misc if needed and registers the
// entry that the package ships. Otherwise it
// returns an error that gives the commands that enable it. The result is
// cached per architecture for the life of the process.
func Ensure(arch string) error {
	if Native(arch) {
		return nil
	}
	mu.Lock()
	defer mu.Unlock()
	if err, ok := ready[arch]; ok {
		return err
	}
	err := ensure(arch)
	ready[arch] = err
	return err
}

func ensure(arch string) error {
	name, ok := qemuNames[arch]
	if !ok {
		return fmt.Errorf("architecture %q: no qemu-user interpreter is known to the lab (known: arm64, armhf, riscv64, ppc64el, s390x)", arch)
	}
	entry := filepath.Join(miscDir, "qemu-"+name)
	conf := filepath.Join(confDir, "qemu-"+name+".conf")
	help := Help(arch)

	if data, err := os.ReadFile(entry); err == nil {
		state := ParseEntry(string(data))
		switch {
		case !state.Enabled:
			return fmt.Errorf("binfmt_misc entry %s is disabled: enable it with `echo 1 > %s` as root", entry, entry)
		case !strings.Contains(state.Flags, "F"):
			return fmt.Errorf("binfmt_misc entry %s has flags %q without F, so containers cannot find its interpreter %s: "+
				"as root, remove it with `echo -1 > %s` and rerun the lab, which registers Debian's entry with F", entry, state.Flags, state.Interpreter, entry)
		}
		return nil
	}

	if _, err := os.Stat(conf); err != nil && os.Geteuid() == 0 {
		if err := InstallTools(); err != nil {
			return fmt.Errorf("binfmt_misc entry qemu-%s is missing and %s was not found: %w; %s", name, conf, err, help)
		}
	}
	line, err := os.ReadFile(conf)
	if err != nil {
		return fmt.Errorf("binfmt_misc entry qemu-%s is missing and %s was not found, so qemu-user-static is not installed: %s", name, conf, help)
	}
	reg, err := RegisterLine(string(line))
	if err != nil {
		return fmt.Errorf("%s: %w", conf, err)
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("binfmt_misc entry qemu-%s is missing, and the lab registers one only as root: %s", name, help)
	}
	if _, err := os.Stat(filepath.Join(miscDir, "register")); err != nil {
		if err := syscall.Mount("binfmt_misc", miscDir, "binfmt_misc", 0, ""); err != nil {
			return fmt.Errorf("mount binfmt_misc on %s: %w; %s", miscDir, err, help)
		}
	}
	if err := os.WriteFile(filepath.Join(miscDir, "register"), []byte(reg), 0); err != nil {
		// Another process may have registered it meanwhile.
		if _, statErr := os.Stat(entry); statErr == nil {
			return nil
		}
		return fmt.Errorf("register %s with binfmt_misc: %w; %s", conf, err, help)
	}
	if _, err := os.Stat(entry); err != nil {
		return fmt.Errorf("registered %s but %s did not appear: %w", conf, entry, err)
	}
	return nil
}

// NoAptEnv, set to 1, stops the lab from installing packages itself.
const NoAptEnv = "CGOHOSTLAB_NO_APT"

// Packages are the Debian packages that other CPUs need: the qemu-user
// interpreters with their binfmt_misc entries, and arch-test, without
// which mmdebstrap refuses to bootstrap another architecture.
var Packages = []string{"qemu-user-static", "arch-test"}

// InstallTools installs Packages with apt-get, once per process, when
// the lab runs as root on a machine with apt-get and NoAptEnv is not set.
// A failed install is retried after `apt-get update`, for a machine whose
// package lists are missing or old.
func InstallTools() error {
	installOnce.Do(func() { installErr = installTools() })
	return installErr
}

var (
	installOnce sync.Once
	installErr  error
)

func installTools() error {
	if os.Getenv(NoAptEnv) == "1" {
		return fmt.Errorf("%s=1 keeps the lab from installing %s", NoAptEnv, strings.Join(Packages, " "))
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("the lab installs %s only as root", strings.Join(Packages, " "))
	}
	apt, err := exec.LookPath("apt-get")
	if err != nil {
		return fmt.Errorf("apt-get not found, so the lab cannot install %s", strings.Join(Packages, " "))
	}
	install := func() ([]byte, error) {
		cmd := exec.Command(apt, append([]string{"install", "-y", "-q", "--no-install-recommends"}, Packages...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		return cmd.CombinedOutput()
	}
	if _, err := install(); err == nil {
		return nil
	}
	if out, err := exec.Command(apt, "update", "-q").CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get update failed: %w\n%s", err, out)
	}
	if out, err := install(); err != nil {
		return fmt.Errorf("apt-get install %s failed: %w\n%s", strings.Join(Packages, " "), err, out)
	}
	return nil
}

// Help returns the commands that let this machine run binaries of arch,
// for error messages.
func Help(arch string) string {
	name := qemuNames[arch]
	return fmt.Sprintf("as root run `apt-get install qemu-user-static`, "+
		"`mount -t binfmt_misc binfmt_misc %s` (if %s/register is missing) and "+
		"`cat %s/qemu-%s.conf > %s/register`, or run the lab once as root, which does the same",
		miscDir, miscDir, confDir, name, miscDir)
}

// Entry is the state of a binfmt_misc entry as its file under
// /proc/sys/fs/binfmt_misc shows it.
type Entry struct {
	Enabled     bool
	Interpreter string
	Flags       string
}

// ParseEntry parses the text of a binfmt_misc entry file.
func ParseEntry(text string) Entry {
	var e Entry
	for _, line := range strings.Split(text, "\n") {
		switch {
		case line == "enabled":
			e.Enabled = true
		case strings.HasPrefix(line, "interpreter "):
			e.Interpreter = strings.TrimPrefix(line, "interpreter ")
		case strings.HasPrefix(line, "flags:"):
			e.Flags = strings.TrimSpace(strings.TrimPrefix(line, "flags:"))
		}
	}
	return e
}

// RegisterLine checks an entry in the register format
// (:name:type:offset:magic:mask:interpreter:flags) and returns it with
// the F flag added when missing.
func RegisterLine(text string) (string, error) {
	line := strings.TrimSpace(text)
	fields := strings.Split(line, ":")
	if len(fields) != 8 || fields[0] != "" {
		return "", errors.New("not a binfmt_misc entry of the form :name:type:offset:magic:mask:interpreter:flags")
	}
	if fields[1] == "" || fields[6] == "" {
		return "", fmt.Errorf("binfmt_misc entry %q has no name or no interpreter", line)
	}
	if _, err := os.Stat(fields[6]); err != nil {
		return "", fmt.Errorf("interpreter of binfmt_misc entry %s: %w", fields[1], err)
	}
	if !strings.Contains(fields[7], "F") {
		fields[7] += "F"
	}
	return strings.Join(fields, ":"), nil
}
