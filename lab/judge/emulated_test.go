package judge

import (
	"testing"

	"github.com/cgohostlab/cgohostlab/scenarios"
)

func slowCallbacks(emulated bool) Run {
	run := goodRun()
	run.Output.Benches = []Record{
		{Rec: "bench", Kind: "main", NsPerCall: 4000},
		{Rec: "bench", Kind: "pthread", NsPerCall: 3600},
	}
	run.Emulated = emulated
	return run
}

func TestThreadCostNotJudgedUnderEmulation(t *testing.T) {
	sc := &scenarios.Scenario{Name: "callbackcost", Checks: []string{scenarios.CheckMainCost, scenarios.CheckThreadCost}}
	pass := scenarios.Expectation{Outcome: scenarios.OutcomePass}

	native := Judge(sc, pass, testSet(), slowCallbacks(false))
	if native.Verdict != Fail {
		t.Errorf("native run at 3600 ns/call: expected fail, got %q (%s)", native.Verdict, native.Reason)
	}

	emulated := Judge(sc, pass, testSet(), slowCallbacks(true))
	if emulated.Verdict != Pass {
		t.Errorf("emulated run at 3600 ns/call: expected pass, got %q (%s)", emulated.Verdict, emulated.Reason)
	}
	for _, c := range emulated.Checks {
		if c.Name == scenarios.CheckThreadCost {
			t.Errorf("emulated run: expected no threadcost check, got %+v", c)
		}
	}
	found := false
	for _, c := range emulated.Checks {
		found = found || c.Name == scenarios.CheckMainCost
	}
	if !found {
		t.Error("emulated run: expected the maincost check, which compares two emulated costs, to stay")
	}
}
