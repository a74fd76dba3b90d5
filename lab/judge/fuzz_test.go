package judge

import (
	"bytes"
	"testing"

	"github.com/cgohostlab/cgohostlab/scenarios"
)

// FuzzParse feeds arbitrary host output to the JSON-lines parser and the
// judge: neither may panic, and every line lands in a record or in
// Malformed.
func FuzzParse(f *testing.F) {
	f.Add([]byte("{\"rec\":\"start\",\"host\":\"deepstack\",\"libc\":\"glibc 2.36\",\"pid\":7,\"page_size\":4096,\"rlimit_stack\":8388608}\n" +
		"{\"rec\":\"call\",\"kind\":\"main\",\"tid\":7,\"depth\":0,\"sp\":140737488,\"true_lo\":1000,\"true_hi\":9000,\"truth\":\"maps\",\"m\":1,\"isextra\":1,\"g0_lo\":1000,\"g0_hi\":9000,\"accurate\":1}\n" +
		"{\"rec\":\"counters\",\"phase\":\"before\",\"threads\":0,\"peak\":0,\"ms_created\":7,\"extra_free\":null,\"extra_in_use\":null,\"os_threads\":3}\n" +
		"{\"rec\":\"end\",\"os_threads\":3}\n"))
	f.Add([]byte("{\"rec\":\"bench\",\"kind\":\"main\",\"iterations\":1000,\"ns_per_call\":1e309}\n{\"rec\":\"cal"))
	f.Add([]byte("{\"rec\":\"call\",\"g0_lo\":18446744073709551615,\"g0_hi\":0,\"true_lo\":5,\"true_hi\":1}\n"))
	f.Add([]byte("\x00\xff\n\n{}\n"))

	sc := &scenarios.Scenario{Name: "fuzz", Checks: []string{scenarios.CheckBounds, scenarios.CheckMLeak, scenarios.CheckMainCost, scenarios.CheckMKept}}
	set := &scenarios.Set{}
	f.Fuzz(func(t *testing.T, data []byte) {
		out := Parse(data)
		n := len(out.All) + len(out.Malformed)
		if n == 0 && len(bytes.TrimSpace(data)) > 0 {
			t.Errorf("non-empty output produced neither records nor malformed lines: %q", data)
		}
		for _, code := range []int{0, 2, 124, 139} {
			res := Judge(sc, scenarios.Expectation{Outcome: scenarios.OutcomePass}, set, Run{Exit: DecodeExit(code, false), Output: out})
			if res.Verdict == "" {
				t.Errorf("no verdict for exit %d", code)
			}
		}
	})
}
