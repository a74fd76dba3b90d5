//go:build cgohostlab

// Command lab is the Go library that the C hosts call, built as a
// c-archive or c-shared library by the lab inside each image. It needs
// the lab's runtime overlay, which adds runtime.cgohostlab_probe; the
// build tag keeps it out of ordinary builds of this module. probe.go
// holds the probe export and the SIGQUIT handler.
package main

/*
#include <stdint.h>

// lab_nest_fn is a host function that LabNest calls back: it receives the
// host's argument and the nesting level.
typedef void (*lab_nest_fn)(void *arg, int level);

// Go cannot call a C function pointer, so LabNest calls it through this.
static inline void lab_invoke_nest(lab_nest_fn fn, void *arg, int level) {
	fn(arg, level);
}
*/
import "C"

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// LabNop does nothing: the callback whose cost callbackcost measures.
//
//export LabNop
func LabNop() {}

// LabBlock never returns: the lab's own test of how it kills a host that
// hangs in Go.
//
//export LabBlock
func LabBlock() {
	for {
		time.Sleep(time.Hour)
	}
}

// LabSpin keeps the calling thread busy in Go for ns nanoseconds.
//
//export LabSpin
func LabSpin(ns C.int64_t) {
	deadline := time.Now().Add(time.Duration(ns))
	for time.Now().Before(deadline) {
	}
}

// LabNest calls fn(arg, level) in C, so a host can nest C -> Go -> C -> Go
// callbacks by calling LabNest again from fn. Back in Go, it checks whether
// the runtime marks this M as running C code (see LabNestFlags).
//
//export LabNest
func LabNest(level C.int, fn C.lab_nest_fn, arg unsafe.Pointer) {
	C.lab_invoke_nest(fn, arg, level)

	flag := runtimeExtraInC()
	if flag >= 0 {
		nestReturns.Add(1)
	}
	if flag == 1 {
		nestFlagged.Add(1)
	}
}

// Counts of LabNest's returns from C, and of those after which the runtime
// marked the M as an extra M running C code while LabNest ran Go.
var nestReturns, nestFlagged atomic.Int64

//go:linkname runtimeExtraInC runtime.cgohostlab_extra_in_c
func runtimeExtraInC() int

// LabNestFlags writes how many times LabNest returned from C, and how many
// of those times the runtime marked the M as an extra M in C, so that a
// profiling signal would have counted Go code as external code. It
// returns 0 when the runtime has no such flag, and 1 otherwise.
//
//export LabNestFlags
func LabNestFlags(returns, flagged *C.int64_t) C.int {
	if runtimeExtraInC() < 0 {
		return 0
	}
	*returns = C.int64_t(nestReturns.Load())
	*flagged = C.int64_t(nestFlagged.Load())
	return 1
}

// LabLockThread locks the calling goroutine to its thread and returns to C
// without unlocking it.
//
//export LabLockThread
func LabLockThread() {
	runtime.LockOSThread()
}

// LabGoexit ends the callback's goroutine with runtime.Goexit. Inside a
// callback from C there is no goroutine to return to, so the runtime must
// stop the process with a fatal error.
//
//export LabGoexit
func LabGoexit() {
	runtime.Goexit()
}

// LabPanicRecover panics and recovers inside the callback. It returns 1
// when the deferred recover saw the panic value.
//
//export LabPanicRecover
func LabPanicRecover() (recovered C.int) {
	defer func() {
		if r := recover(); r == "cgohostlab: panic inside a callback" {
			recovered = 1
		}
	}()
	panic("cgohostlab: panic inside a callback")
}

// notified counts the signals that the channel of LabNotify received.
var notified atomic.Int64

// LabNotify starts delivering signal sig to a channel with signal.Notify;
// LabNotified returns how many arrived.
//
//export LabNotify
func LabNotify(sig C.int) {
	ch := make(chan os.Signal, 64)
	signal.Notify(ch, syscall.Signal(sig))
	go func() {
		for range ch {
			notified.Add(1)
		}
	}()
}

// LabNotified returns how many signals the channel of LabNotify received.
//
//export LabNotified
func LabNotified() C.int64_t {
	return C.int64_t(notified.Load())
}

var profile bytes.Buffer

// LabStartCPUProfile starts a CPU profile into memory. It returns 0, or
// -1 when pprof.StartCPUProfile fails (its error goes to stderr).
//
//export LabStartCPUProfile
func LabStartCPUProfile() C.int {
	if err := pprof.StartCPUProfile(&profile); err != nil {
		os.Stderr.WriteString("cgohostlab: pprof.StartCPUProfile: " + err.Error() + "\n")
		return -1
	}
	return 0
}

// LabStopCPUProfile stops the CPU profile, stores its size in bytes in
// *size and returns the number of samples it counted, or -1 when the
// profile does not decode.
//
//export LabStopCPUProfile
func LabStopCPUProfile(size *C.int64_t) C.int64_t {
	pprof.StopCPUProfile()
	*size = C.int64_t(profile.Len())
	n, err := countSamples(profile.Bytes())
	if err != nil {
		os.Stderr.WriteString("cgohostlab: decode CPU profile: " + err.Error() + "\n")
		return -1
	}
	return C.int64_t(n)
}

// countSamples returns the sum of the first value (the sample count) of
// every Sample in a gzipped pprof profile. It walks the protobuf wire
// format of profile.proto (Profile.sample is field 2, Sample.value is
// field 2) without a protobuf package.
func countSamples(gz []byte) (int64, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return 0, err
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return 0, err
	}
	var total int64
	err = walkFields(data, func(field uint64, varint uint64, sample []byte) error {
		if field != 2 || sample == nil {
			return nil
		}
		first := true
		return walkFields(sample, func(field uint64, varint uint64, packed []byte) error {
			if field != 2 || !first {
				return nil
			}
			first = false
			if packed != nil {
				v, n := binary.Uvarint(packed)
				if n <= 0 {
					return errors.New("invalid packed sample value")
				}
				varint = v
			}
			total += int64(varint)
			return nil
		})
	})
	return total, err
}

// walkFields calls fn for each field of a protobuf message: with the value
// of a varint field, or with the payload of a length-delimited one.
func walkFields(data []byte, fn func(field, varint uint64, payload []byte) error) error {
	for len(data) > 0 {
		key, n := binary.Uvarint(data)
		if n <= 0 {
			return errors.New("invalid field key")
		}
		data = data[n:]
		switch key & 7 {
		case 0: // varint
			v, n := binary.Uvarint(data)
			if n <= 0 {
				return errors.New("invalid varint")
			}
			data = data[n:]
			if err := fn(key>>3, v, nil); err != nil {
				return err
			}
		case 2: // length-delimited
			l, n := binary.Uvarint(data)
			if n <= 0 || uint64(len(data)-n) < l {
				return errors.New("invalid length")
			}
			if err := fn(key>>3, 0, data[n:n+int(l)]); err != nil {
				return err
			}
			data = data[n+int(l):]
		default:
			return fmt.Errorf("unexpected wire type %d", key&7)
		}
	}
	return nil
}

func main() {}
