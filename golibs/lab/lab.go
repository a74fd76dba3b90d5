//go:build cgohostlab

// Command lab is the Go library that the C hosts call, built as a
// c-archive or c-shared library by the lab inside each image. It needs
// the lab's runtime overlay, which adds runtime.cgohostlab_probe; the
// build tag keeps it out of ordinary builds of this module. probe.go
// holds the probe export and the SIGQUIT handler.
package main

import "C"

import "time"

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

func main() {}
