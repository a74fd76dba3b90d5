package binfmt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseEntry(t *testing.T) {
	text := "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POF\noffset 0\nmagic 7f454c46\nmask ffffffff\n"
	e := ParseEntry(text)
	if !e.Enabled {
		t.Error("expected enabled")
	}
	if e.Interpreter != "/usr/libexec/qemu-binfmt/aarch64-binfmt-P" {
		t.Errorf("expected the interpreter path, got %q", e.Interpreter)
	}
	if e.Flags != "POF" {
		t.Errorf("expected flags POF, got %q", e.Flags)
	}
	if ParseEntry("disabled\nflags: \n").Enabled {
		t.Error("expected a disabled entry to parse as disabled")
	}
}

func TestRegisterLineAddsF(t *testing.T) {
	interp := filepath.Join(t.TempDir(), "qemu-aarch64-static")
	if err := os.WriteFile(interp, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	line, err := RegisterLine(":qemu-aarch64:M::\\x7fELF:\\xff\\xff\\xff\\xff:" + interp + ":OP\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := ":qemu-aarch64:M::\\x7fELF:\\xff\\xff\\xff\\xff:" + interp + ":OPF"; line != want {
		t.Errorf("expected %q, got %q", want, line)
	}
	line, err = RegisterLine(":qemu-aarch64:M::\\x7fELF:\\xff\\xff\\xff\\xff:" + interp + ":OPF")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(line[strings.LastIndex(line, ":"):], "F") != 1 {
		t.Errorf("expected one F flag, got %q", line)
	}
}

func TestRegisterLineRejects(t *testing.T) {
	for _, text := range []string{
		"",
		"qemu-aarch64:M::x:y:/bin/sh:F",
		":qemu-aarch64:M::x:y::F",
		":qemu-aarch64:M::x:y:/nonexistent/qemu-aarch64-static:F",
	} {
		if _, err := RegisterLine(text); err == nil {
			t.Errorf("RegisterLine(%q): expected an error", text)
		}
	}
}

func TestNativeArches(t *testing.T) {
	for arch, want := range map[string]bool{"": true, "amd64": true, "i386": true, "arm64": false, "riscv64": false} {
		if got := Native(arch); got != want {
			t.Errorf("Native(%q) = %v, expected %v", arch, got, want)
		}
	}
}

func TestHelpNamesCommands(t *testing.T) {
	h := Help("arm64")
	for _, want := range []string{"apt-get install qemu-user-static", "mount -t binfmt_misc", "qemu-aarch64.conf", "/proc/sys/fs/binfmt_misc/register"} {
		if !strings.Contains(h, want) {
			t.Errorf("expected the help to contain %q, got:\n%s", want, h)
		}
	}
}
