// Command golib is the Go side of the workerpool example scenario: a
// library that C worker threads call to checksum their job buffers. The
// lab builds it as the scenario file's buildmode and adds its probe
// export (LabCall) to the package.
package main

// #include <stddef.h>
// #include <stdint.h>
import "C"

import (
	"hash/crc32"
	"unsafe"
)

// Checksum returns the IEEE CRC-32 of the n bytes at buf.
//
//export Checksum
func Checksum(buf *C.uchar, n C.size_t) C.uint32_t {
	data := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(n))
	return C.uint32_t(crc32.ChecksumIEEE(data))
}

func main() {}
