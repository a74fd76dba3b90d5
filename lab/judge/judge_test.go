package judge

import (
	"strings"
	"testing"

	"github.com/cgohostlab/cgohostlab/scenarios"
)

func u(v uint64) *uint64 { return &v }

func call(kind string, trueLo, trueHi, g0Lo, g0Hi uint64, accurate *uint64) Record {
	return Record{Rec: "call", Kind: kind, TrueLo: trueLo, TrueHi: trueHi, G0Lo: u(g0Lo), G0Hi: u(g0Hi), Accurate: accurate}
}

func TestClassifyCall(t *testing.T) {
	const lo, hi = 0x10000, 0x110000 // a 1 MiB stack
	sp := uint64(hi - 0x200)
	tests := []struct {
		name   string
		r      Record
		class  BoundsClass
		unsafe uint64
		hiOver uint64
	}{
		{"exact", call("t", lo, hi, lo, hi, u(1)), Exact, 0, 0},
		{"conservative", call("t", lo, hi, lo+4096, hi, u(1)), Conservative, 0, 0},
		{"estimate marked", call("t", lo, hi, sp-32*1024, sp+1024, u(0)), Estimate, 0, 0x200},
		{"estimate by size", call("t", lo, hi, sp-32*1024, sp+1024, nil), Estimate, 0, 0x200},
		{"accurate but wrong size", call("t", lo, hi, lo+8192, hi-8192, nil), Conservative, 0, 0},
		{"unsafe", call("t", lo, hi, lo-8192, hi, u(1)), Unsafe, 8192, 0},
		{"unsafe estimate", call("t", lo, lo+0x4000, lo+0x3000-32*1024, lo+0x3000+1024, u(0)), Unsafe, 32*1024 - 0x3000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb, ok := ClassifyCall(tt.r)
			if !ok {
				t.Fatal("expected the record to be classified")
			}
			if cb.Class != tt.class {
				t.Errorf("expected class %s, got %s", tt.class, cb.Class)
			}
			if cb.UnsafeBy != tt.unsafe {
				t.Errorf("expected unsafe_by %d, got %d", tt.unsafe, cb.UnsafeBy)
			}
			if cb.HiOver != tt.hiOver {
				t.Errorf("expected hi_over %d, got %d", tt.hiOver, cb.HiOver)
			}
		})
	}
}

func TestClassifyCallWithoutBounds(t *testing.T) {
	if _, ok := ClassifyCall(Record{Rec: "call"}); ok {
		t.Error("expected a record without g0 bounds to be left unclassified")
	}
}

func TestSummarizeBoundsKeepsWorst(t *testing.T) {
	calls := []Record{
		call("a", 0, 100, 0, 100, u(1)),
		call("a", 0, 100, 10, 100, u(1)),
		call("b", 0, 100, 0, 100, u(1)),
	}
	got := SummarizeBounds(calls)
	if len(got) != 2 {
		t.Fatalf("expected 2 kinds, got %d: %+v", len(got), got)
	}
	if got[0].Kind != "a" || got[0].Class != Conservative || got[0].Calls != 2 {
		t.Errorf("expected kind a conservative over 2 calls, got %+v", got[0])
	}
	if got[1].Kind != "b" || got[1].Class != Exact {
		t.Errorf("expected kind b exact, got %+v", got[1])
	}
}

func counters(phase string, threads, peak int, ms, inUse uint64) Record {
	return Record{Rec: "counters", Phase: phase, Threads: threads, Peak: peak, MsCreated: u(ms), ExtraInUse: u(inUse)}
}

func TestCheckMLeak(t *testing.T) {
	tests := []struct {
		name   string
		recs   []Record
		passed bool
		detail string
	}{
		{"bounded", []Record{counters("before", 0, 0, 7, 1), counters("seq", 1000, 1, 8, 1), counters("bursts", 640, 32, 39, 1)}, true, "bound +46"},
		{"ms grow", []Record{counters("before", 0, 0, 7, 1), counters("seq", 1000, 1, 1007, 1)}, false, "+1000, bound +9) LEAK"},
		{"concurrent overshoot", []Record{counters("before", 0, 0, 8, 1), counters("wave", 500, 500, 539, 1)}, true, "+531, bound +608)"},
		{"in use grows", []Record{counters("before", 0, 0, 7, 1), counters("seq", 1000, 1, 8, 2)}, false, "extra Ms in use 1 -> 2 LEAK"},
		{"one record", []Record{counters("before", 0, 0, 7, 1)}, false, "got 1 counters records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := CheckMLeak(&Output{Counters: tt.recs})
			if c.Passed != tt.passed {
				t.Errorf("expected passed=%v, got %v (%s)", tt.passed, c.Passed, c.Detail)
			}
			if !strings.Contains(c.Detail, tt.detail) {
				t.Errorf("expected detail containing %q, got %q", tt.detail, c.Detail)
			}
		})
	}
}

func TestDecodeExit(t *testing.T) {
	tests := []struct {
		code int
		past bool
		want Exit
	}{
		{0, false, Exit{Code: 0}},
		{2, false, Exit{Code: 2}},
		{124, true, Exit{Code: 124, TimedOut: true}},
		{139, false, Exit{Code: 139, Signal: "SIGSEGV"}},
		{134, false, Exit{Code: 134, Signal: "SIGABRT"}},
		{137, true, Exit{Code: 137, Signal: "SIGKILL", TimedOut: true}},
		{137, false, Exit{Code: 137, Signal: "SIGKILL"}},
	}
	for _, tt := range tests {
		if got := DecodeExit(tt.code, tt.past); got != tt.want {
			t.Errorf("DecodeExit(%d, %v): expected %+v, got %+v", tt.code, tt.past, tt.want, got)
		}
	}
}

func TestParseKeepsMalformedLines(t *testing.T) {
	out := Parse([]byte("{\"rec\":\"start\",\"host\":\"h\"}\nnot json\n{\"rec\":\"call\",\"kind\":\"main\",\"g0_lo\":1,\"g0_hi\":2,\"isextra\":null}\n{\"rec\":\"cal"))
	if out.Start == nil || out.Start.Host != "h" {
		t.Errorf("expected the start record, got %+v", out.Start)
	}
	if len(out.Calls) != 1 || out.Calls[0].IsExtra != nil {
		t.Errorf("expected one call with isextra not available, got %+v", out.Calls)
	}
	if len(out.Malformed) != 2 {
		t.Errorf("expected 2 malformed lines, got %q", out.Malformed)
	}
}

func testSet() *scenarios.Set {
	return &scenarios.Set{KnownIssues: []*scenarios.KnownIssue{
		{ID: "go13492", Link: "https://example.test/13492", Title: "t", Signature: scenarios.Signature{Signal: "SIGSEGV", BeforeGo: true}},
		{ID: "go59294", Link: "https://example.test/59294", Title: "t", Signature: scenarios.Signature{Stderr: "morestack on g0"}},
	}}
}

func goodRun() Run {
	return Run{
		Exit: Exit{Code: 0},
		Output: &Output{
			Start: &Record{Rec: "start"},
			End:   &Record{Rec: "end"},
			Calls: []Record{call("main", 0, 100, 0, 100, u(1))},
		},
	}
}

// crashBeforeGo is a host that died before a call into Go returned. The
// runtime of a c-archive starts on a thread of its own, so main may or
// may not have written its start record by then.
func crashBeforeGo() Run {
	return Run{Exit: Exit{Code: 139, Signal: "SIGSEGV"}, Output: &Output{Start: &Record{Rec: "start"}}}
}

func TestJudgeVerdicts(t *testing.T) {
	sc := &scenarios.Scenario{Name: "deepstack", Checks: []string{scenarios.CheckBounds}}
	pass := scenarios.Expectation{Outcome: scenarios.OutcomePass}
	musl := scenarios.Expectation{Outcome: scenarios.OutcomeKnownIssue, Issue: "go13492"}
	morestack := Run{Exit: Exit{Code: 2}, Output: &Output{Start: &Record{}}, Stderr: []byte("fatal: morestack on g0\n")}

	tests := []struct {
		name   string
		exp    scenarios.Expectation
		run    Run
		want   Verdict
		reason string
	}{
		{"pass", pass, goodRun(), Pass, "bounds passed"},
		{"known issue reproduced", musl, crashBeforeGo(), KnownIssue, "go13492"},
		{"crash after go ran", musl, Run{Exit: Exit{Code: 139, Signal: "SIGSEGV"}, Output: &Output{Start: &Record{}, Calls: []Record{call("main", 0, 100, 0, 100, u(1))}}}, Fail, "signature did not match"},
		{"known issue not reproduced", musl, goodRun(), NotReproduced, "fixed upstream, or the lab lost its detector"},
		{"other failure where issue expected", musl, morestack, Fail, "signature did not match"},
		{"unexpected crash names matching issue", pass, morestack, Fail, "matches the signature of go59294"},
		{"hang", pass, Run{Exit: Exit{Code: 124, TimedOut: true}, Output: &Output{Start: &Record{}}}, Fail, "host hung"},
		{"no end record", pass, Run{Exit: Exit{Code: 0}, Output: &Output{Start: &Record{}}}, Fail, "without its end record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Judge(sc, tt.exp, testSet(), tt.run)
			if res.Verdict != tt.want {
				t.Errorf("expected verdict %q, got %q (%s)", tt.want, res.Verdict, res.Reason)
			}
			if !strings.Contains(res.Reason, tt.reason) {
				t.Errorf("expected reason containing %q, got %q", tt.reason, res.Reason)
			}
		})
	}
}

func TestJudgeUnsafeBoundsFail(t *testing.T) {
	sc := &scenarios.Scenario{Name: "deepstack", Checks: []string{scenarios.CheckBounds}}
	run := goodRun()
	run.Output.Calls = []Record{call("pthread-64k", 1000, 2000, 500, 2000, u(0))}
	res := Judge(sc, scenarios.Expectation{Outcome: scenarios.OutcomePass}, testSet(), run)
	if res.Verdict != Fail {
		t.Errorf("expected fail, got %q", res.Verdict)
	}
	if !strings.Contains(res.Reason, "500 bytes below the true stack") {
		t.Errorf("expected the reason to give the excess, got %q", res.Reason)
	}
}

func TestCheckMKept(t *testing.T) {
	kept, gone := true, false
	for _, tc := range []struct {
		name   string
		recs   []Record
		passed bool
		detail string
	}{
		{"kept", []Record{{Kind: "main", Enabled: &kept, Size: 32768}, {Kind: "pthread", Enabled: &kept, Size: 32768}}, true, "pthread kept its M (a 32768-byte signal stack"},
		{"given back", []Record{{Kind: "main", Enabled: &kept, Size: 32768}, {Kind: "pthread", Enabled: &gone}}, false, "pthread gave its M back"},
		{"no record", nil, false, "no altstack record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := CheckMKept(&Output{AltStacks: tc.recs})
			if c.Passed != tc.passed || !strings.Contains(c.Detail, tc.detail) {
				t.Errorf("CheckMKept = %v %q, want %v and a detail with %q", c.Passed, c.Detail, tc.passed, tc.detail)
			}
		})
	}
}

func TestCheckExtraInC(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		name   string
		recs   []Record
		passed bool
		detail string
	}{
		{"none flagged", []Record{{Returns: n(6), Flagged: n(0)}}, true, "after all 6 returns"},
		{"flagged", []Record{{Returns: n(6), Flagged: n(6)}}, false, "after 6 of 6 returns"},
		{"no flag in runtime", []Record{{}}, true, "not available"},
		{"no record", nil, false, "no nestflags record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := CheckExtraInC(&Output{NestFlags: tc.recs})
			if c.Passed != tc.passed || !strings.Contains(c.Detail, tc.detail) {
				t.Errorf("CheckExtraInC = %v %q, want %v and a detail with %q", c.Passed, c.Detail, tc.passed, tc.detail)
			}
		})
	}
}

func TestCheckExpectedBounds(t *testing.T) {
	got := []KindBounds{{Kind: "main", Class: Conservative}, {Kind: "pthread-default", Class: Exact}}
	tests := []struct {
		name string
		want map[string]string
		pass bool
	}{
		{"match", map[string]string{"main": "conservative", "pthread-default": "exact"}, true},
		{"other class", map[string]string{"main": "exact"}, false},
		{"missing kind", map[string]string{"main-unlimited": "estimate"}, false},
	}
	for _, tt := range tests {
		c := CheckExpectedBounds(tt.want, got)
		if c.Passed != tt.pass {
			t.Errorf("%s: expected passed=%v, got %v (%s)", tt.name, tt.pass, c.Passed, c.Detail)
		}
	}
}
