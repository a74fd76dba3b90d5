//go:build cgohostlab

package main

// This file is the lab's probe export and SIGQUIT handler. The lab also
// copies it into the Go package of a bring-your-own scenario, so every
// library it builds exports LabCall for the harness. It must therefore
// stay a self-contained file of package main that defines no main.

// #include <stdint.h>
import "C"

import (
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"unsafe"
)

// probeLen is the length of the probe array; the slot layout is the
// LAB_P_* enum in hosts/harness.h.
const probeLen = 9

//go:linkname runtimeProbe runtime.cgohostlab_probe
func runtimeProbe(out *[probeLen]uint64)

// In a c-archive or c-shared library the runtime leaves SIGQUIT to the C
// program, so a host that the lab stops at its timeout would die without
// a word. The library catches SIGQUIT itself and writes every goroutine's
// stack to stderr before exiting with status 2, as a Go program does.
func init() {
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, syscall.SIGQUIT)
	go func() {
		<-quit
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		os.Stderr.WriteString("SIGQUIT: quit (cgohostlab: the host reached its timeout)\n\n")
		os.Stderr.Write(buf[:n])
		os.Exit(2)
	}()
}

// LabCall fills out with what the runtime holds for the calling thread and
// the process. When gcWork is not zero it first runs a garbage collection,
// which makes the runtime run on the calling M's g0 stack.
//
//export LabCall
func LabCall(gcWork C.int, out *C.uint64_t) {
	if gcWork != 0 {
		runtime.GC()
	}
	runtimeProbe((*[probeLen]uint64)(unsafe.Pointer(out)))
}
