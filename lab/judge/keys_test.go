package judge

import (
	"strings"
	"testing"
)

func i64(v int64) *int64 { return &v }

func keys(phase string, inUse int64) Record {
	return Record{Rec: "keys", Phase: phase, KeysInUse: i64(inUse), KeysMax: i64(128)}
}

func TestCheckPthreadKeys(t *testing.T) {
	tests := []struct {
		name   string
		keys   []Record
		passed bool
		detail string
	}{
		{"constant", []Record{keys("first-call", 1), keys("held", 1), keys("after", 1)}, true, "first-call 1, held 1, after 1 (maximum 128)"},
		{"grew while held", []Record{keys("first-call", 1), keys("held", 501), keys("after", 1)}, false, "held 501 CHANGED"},
		{"one record", []Record{keys("first-call", 1)}, false, "need keys records from at least two phases, got 1"},
		{"none", nil, false, "got 0"},
		{"missing count", []Record{keys("first-call", 1), {Rec: "keys", Phase: "held"}}, false, `keys record "held" has no keys_in_use`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := CheckPthreadKeys(&Output{Keys: tt.keys})
			if c.Passed != tt.passed {
				t.Errorf("expected passed=%v, got %v (%s)", tt.passed, c.Passed, c.Detail)
			}
			if !strings.Contains(c.Detail, tt.detail) {
				t.Errorf("expected detail containing %q, got %q", tt.detail, c.Detail)
			}
		})
	}
}

func TestParseKeysAndNotes(t *testing.T) {
	out := Parse([]byte(`{"rec":"keys","phase":"held-1","keys_in_use":2,"keys_max":1024}
{"rec":"note","name":"signals","detail":"sent 40, signal.Notify received 40"}
`))
	if len(out.Malformed) != 0 {
		t.Fatalf("expected no malformed lines, got %q", out.Malformed)
	}
	if len(out.Keys) != 1 || *out.Keys[0].KeysInUse != 2 || *out.Keys[0].KeysMax != 1024 {
		t.Errorf("expected one keys record with 2 of 1024 in use, got %+v", out.Keys)
	}
	if len(out.Notes) != 1 || out.Notes[0].Name != "signals" || out.Notes[0].Detail != "sent 40, signal.Notify received 40" {
		t.Errorf("expected one note named signals, got %+v", out.Notes)
	}
}

func TestFirstFatalLineHostCheck(t *testing.T) {
	stderr := []byte("some output\ncgohostlab host: check failed: 3 destructor calls, expected 128\n")
	want := "cgohostlab host: check failed: 3 destructor calls, expected 128"
	if got := FirstFatalLine(stderr); got != want {
		t.Errorf("expected %q, got %q", want, got)
	}
}
