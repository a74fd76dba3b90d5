// Package judge parses what a host wrote and decides a cell's verdict:
// how each call's g0 bounds relate to the true stack, whether Ms leaked,
// and whether the cell passed, failed, or reproduced a known issue.
package judge

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"syscall"
)

// Record is one JSON line of host output. Fields a record kind does not
// use are zero; probe fields that the toolchain cannot fill are nil.
type Record struct {
	Rec string `json:"rec"`

	// start
	Host        string  `json:"host,omitempty"`
	Libc        string  `json:"libc,omitempty"`
	PID         int     `json:"pid,omitempty"`
	PageSize    int     `json:"page_size,omitempty"`
	RlimitStack *uint64 `json:"rlimit_stack,omitempty"`

	// call and skip
	Kind     string  `json:"kind,omitempty"`
	TID      int     `json:"tid,omitempty"`
	Depth    uint64  `json:"depth,omitempty"`
	SP       uint64  `json:"sp,omitempty"`
	TrueLo   uint64  `json:"true_lo,omitempty"`
	TrueHi   uint64  `json:"true_hi,omitempty"`
	Truth    string  `json:"truth,omitempty"`
	M        *uint64 `json:"m,omitempty"`
	IsExtra  *uint64 `json:"isextra,omitempty"`
	G0Lo     *uint64 `json:"g0_lo,omitempty"`
	G0Hi     *uint64 `json:"g0_hi,omitempty"`
	Accurate *uint64 `json:"accurate,omitempty"`
	Reason   string  `json:"reason,omitempty"`

	// counters
	Phase      string  `json:"phase,omitempty"`
	Threads    int     `json:"threads,omitempty"`
	Peak       int     `json:"peak,omitempty"`
	MsCreated  *uint64 `json:"ms_created,omitempty"`
	ExtraFree  *uint64 `json:"extra_free,omitempty"`
	ExtraInUse *uint64 `json:"extra_in_use,omitempty"`
	OSThreads  int     `json:"os_threads,omitempty"`

	// bench
	Rep        int     `json:"rep,omitempty"` // repetition, from 1
	Iterations int     `json:"iterations,omitempty"`
	NsPerCall  float64 `json:"ns_per_call,omitempty"`

	// altstack
	Enabled *bool  `json:"enabled,omitempty"`
	Size    uint64 `json:"size,omitempty"`

	// error
	Msg   string `json:"msg,omitempty"`
	Errno int    `json:"errno,omitempty"`

	// keys: pthread keys in use in the whole process, and the C library's
	// maximum (PTHREAD_KEYS_MAX)
	KeysInUse *int64 `json:"keys_in_use,omitempty"`
	KeysMax   *int64 `json:"keys_max,omitempty"`

	// nestflags: returns from C to Go in LabNest, and those after which the
	// runtime marked the M as an extra M in C; nil when it has no such flag
	Returns *int64 `json:"returns,omitempty"`
	Flagged *int64 `json:"flagged,omitempty"`

	// note: evidence for the report that no check reads
	Name   string `json:"name,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Output is a host's stdout, parsed.
type Output struct {
	Start    *Record
	End      *Record
	Calls    []Record
	Skips    []Record
	Counters []Record
	Benches  []Record
	// AltStacks are the altstack records: whether a thread kept its M.
	AltStacks []Record
	Errors    []Record
	Keys      []Record
	// NestFlags are the nestflags records of the nested host.
	NestFlags []Record
	Notes     []Record
	// All holds every record in the order the host wrote them.
	All []Record
	// Malformed holds lines that are not records, for example a line cut
	// short by a crash.
	Malformed []string
}

// Parse reads JSON lines. Lines that are not valid records are kept in
// Malformed rather than rejected, because a crash may cut the last line.
func Parse(stdout []byte) *Output {
	out := &Output{}
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil {
			out.Malformed = append(out.Malformed, string(line))
			continue
		}
		out.All = append(out.All, r)
		switch r.Rec {
		case "start":
			out.Start = &r
		case "end":
			out.End = &r
		case "call":
			out.Calls = append(out.Calls, r)
		case "skip":
			out.Skips = append(out.Skips, r)
		case "counters":
			out.Counters = append(out.Counters, r)
		case "bench":
			out.Benches = append(out.Benches, r)
		case "altstack":
			out.AltStacks = append(out.AltStacks, r)
		case "error":
			out.Errors = append(out.Errors, r)
		case "keys":
			out.Keys = append(out.Keys, r)
		case "nestflags":
			out.NestFlags = append(out.NestFlags, r)
		case "note":
			out.Notes = append(out.Notes, r)
		default:
			out.All = out.All[:len(out.All)-1]
			out.Malformed = append(out.Malformed, string(line))
		}
	}
	if err := sc.Err(); err != nil {
		out.Malformed = append(out.Malformed, fmt.Sprintf("(output unreadable past this point: %v)", err))
	}
	return out
}

// ReachedGo reports whether any call into Go returned: the host wrote a
// call, counters or bench record.
func (o *Output) ReachedGo() bool {
	return len(o.Calls) > 0 || len(o.Counters) > 0 || len(o.Benches) > 0
}

// Exit is the end of a host process: its status, signal or timeout.
type Exit struct {
	Code     int    `json:"code"`
	Signal   string `json:"signal,omitempty"`
	TimedOut bool   `json:"timed_out,omitempty"`
}

// ExitTimedOut is the status of coreutils timeout when the time ran out.
const ExitTimedOut = 124

// DecodeExit interprets the exit status of `timeout -s QUIT -k K T host`:
// 124 when the time ran out, and 128+N when the host died by signal N.
// SIGKILL also follows the SIGQUIT of a timeout, so pastDeadline
// distinguishes the two.
func DecodeExit(code int, pastDeadline bool) Exit {
	e := Exit{Code: code}
	switch {
	case code == ExitTimedOut:
		e.TimedOut = true
	case code > 128 && code < 128+65:
		sig := syscall.Signal(code - 128)
		e.Signal = SignalName(sig)
		if sig == syscall.SIGKILL && pastDeadline {
			e.TimedOut = true
		}
	}
	return e
}

var signalNames = map[syscall.Signal]string{
	syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE",
	syscall.SIGILL: "SIGILL", syscall.SIGKILL: "SIGKILL", syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGSEGV: "SIGSEGV", syscall.SIGTRAP: "SIGTRAP", syscall.SIGTERM: "SIGTERM",
	syscall.SIGSYS: "SIGSYS", syscall.SIGPIPE: "SIGPIPE", syscall.SIGINT: "SIGINT",
}

// SignalName returns the SIGXXX name of sig.
func SignalName(sig syscall.Signal) string {
	if n, ok := signalNames[sig]; ok {
		return n
	}
	return fmt.Sprintf("signal %d", int(sig))
}

// String describes the exit for a report.
func (e Exit) String() string {
	switch {
	case e.TimedOut:
		return "timed out (hang)"
	case e.Signal != "":
		return "killed by " + e.Signal
	default:
		return fmt.Sprintf("exit status %d", e.Code)
	}
}
