package scenarios

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	cgohostlab "github.com/cgohostlab/cgohostlab"
)

func TestBuiltinLoads(t *testing.T) {
	set, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"startup", "deepstack", "churn", "stackswitch", "smallstack", "callbackcost"} {
		if set.Scenario(want) == nil {
			t.Errorf("scenario %q missing from %v", want, set.Names())
		}
	}
}

func TestBuiltinHostsExist(t *testing.T) {
	set, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range set.Scenarios {
		if _, err := fs.Stat(cgohostlab.Sources, "hosts/"+sc.Host+".c"); err != nil {
			t.Errorf("scenario %s: host %s.c not found in hosts/: %v", sc.Name, sc.Host, err)
		}
	}
}

func TestExpectedFirstMatchWins(t *testing.T) {
	sc := &Scenario{Expect: []Expectation{
		{Image: "musl", Variant: "stock", Outcome: OutcomeKnownIssue, Issue: "a"},
		{Image: "musl", Outcome: OutcomeKnownIssue, Issue: "b"},
	}}
	if got := sc.Expected(Cell{Image: "musl", Toolchain: "host", Variant: "stock"}).Issue; got != "a" {
		t.Errorf("musl/host/stock: expected issue a, got %q", got)
	}
	if got := sc.Expected(Cell{Image: "musl", Toolchain: "host", Variant: "other"}).Issue; got != "b" {
		t.Errorf("musl/host/other: expected issue b, got %q", got)
	}
	if got := sc.Expected(Cell{Image: "glibc", Toolchain: "host", Variant: "stock"}).Outcome; got != OutcomePass {
		t.Errorf("glibc/host/stock: expected outcome pass, got %q", got)
	}
}

func TestExpectationMatchesVariantParts(t *testing.T) {
	e := Expectation{Variant: "sticky-bounds", Libc: "musl"}
	if !e.Matches(Cell{Libc: "musl", Variant: "noargv+sticky-bounds"}) {
		t.Error("expected sticky-bounds to match noargv+sticky-bounds")
	}
	if e.Matches(Cell{Libc: "glibc", Variant: "sticky-bounds"}) {
		t.Error("expected libc musl not to match a glibc cell")
	}
	if e.Matches(Cell{Libc: "musl", Variant: "noargv"}) {
		t.Error("expected sticky-bounds not to match noargv")
	}
}

const goodIssues = `[{"id":"go1","link":"https://example.test/1","title":"t","signature":{"signal":"SIGSEGV"}}]`

func TestLoadMalformed(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		issues string
		want   string
	}{
		{"unknown field", `{"name":"x","summary":"s","host":"h","timeout":"1s","checks":[],"colour":1}`, goodIssues,
			`x.json: invalid JSON: json: unknown field "colour"`},
		{"bad timeout", `{"name":"x","summary":"s","host":"h","timeout":"soon","checks":[]}`, goodIssues,
			`x.json: invalid JSON: field timeout: invalid duration "soon"`},
		{"missing timeout", `{"name":"x","summary":"s","host":"h","checks":[]}`, goodIssues,
			"x.json: field timeout: missing or not positive"},
		{"unknown check", `{"name":"x","summary":"s","host":"h","timeout":"1s","checks":["speed"]}`, goodIssues,
			`x.json: field checks: unknown check "speed": allowed are bounds, mleak, maincost, mkept`},
		{"name mismatch", `{"name":"y","summary":"s","host":"h","timeout":"1s","checks":[]}`, goodIssues,
			`x.json: field name: "y" must match the file name "x"`},
		{"bad name", `{"name":"X Y","summary":"s","host":"h","timeout":"1s","checks":[]}`, goodIssues,
			`x.json: field name: "X Y" is invalid`},
		{"unknown issue", `{"name":"x","summary":"s","host":"h","timeout":"1s","checks":[],"expect":[{"outcome":"known-issue","issue":"go2","reason":"r"}]}`, goodIssues,
			`x.json: field expect[0]: issue: "go2" is not in known-issues.json`},
		{"bad outcome", `{"name":"x","summary":"s","host":"h","timeout":"1s","checks":[],"expect":[{"outcome":"maybe","reason":"r"}]}`, goodIssues,
			`x.json: field expect[0]: outcome "maybe" is invalid: allowed are pass, known-issue, fail`},
		{"fail without signature", `{"name":"x","summary":"s","host":"h","timeout":"1s","checks":[],"expect":[{"outcome":"fail","reason":"r"}]}`, goodIssues,
			"x.json: field expect[0]: signature: missing"},
		{"bad nested signature", `{"name":"x","summary":"s","host":"h","timeout":"1s","checks":[],"expect":[{"outcome":"fail","reason":"r","signature":{"any_of":[{"verdict":"slow"}]}}]}`, goodIssues,
			`x.json: field expect[0]: signature.any_of[0].verdict: "slow" is invalid`},
		{"missing reason", `{"name":"x","summary":"s","host":"h","timeout":"1s","checks":[],"expect":[{"outcome":"pass"}]}`, goodIssues,
			"x.json: field expect[0]: reason: missing"},
		{"trailing data", `{"name":"x","summary":"s","host":"h","timeout":"1s","checks":[]} {}`, goodIssues,
			"x.json: invalid JSON: extra data after the top-level value"},
		{"issue bad signal", `{"name":"x","summary":"s","host":"h","timeout":"1s","checks":[]}`,
			`[{"id":"go1","link":"https://example.test/1","title":"t","signature":{"signal":"SEGV"}}]`,
			`known-issues.json: entry 0: field signature.signal: "SEGV" is invalid`},
		{"issue empty signature", `{"name":"x","summary":"s","host":"h","timeout":"1s","checks":[]}`,
			`[{"id":"go1","link":"https://example.test/1","title":"t","signature":{}}]`,
			"known-issues.json: entry 0: field signature: empty"},
		{"issue bad regexp", `{"name":"x","summary":"s","host":"h","timeout":"1s","checks":[]}`,
			`[{"id":"go1","link":"https://example.test/1","title":"t","signature":{"stderr":"("}}]`,
			"known-issues.json: entry 0: field signature.stderr: invalid regular expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"x.json":            {Data: []byte(tt.file)},
				"known-issues.json": {Data: []byte(tt.issues)},
			}
			_, err := Load(fsys)
			if err == nil {
				t.Fatalf("expected an error containing %q, got none", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("expected an error containing %q, got:\n%v", tt.want, err)
			}
		})
	}
}

func TestSyntaxErrorsNamePosition(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
	}{
		{"bad token", "{\n  \"name\": \"x\",\n  \"smoke\": tru\n}", "(expecting 'e') at line 4, column 1"},
		{"cut short", "{\n  \"name\": \"x\",", "the file ends before its JSON value does"},
		{"wrong type", "{\n  \"name\": \"x\",\n  \"smoke\": \"yes\"\n}", "at line 3, column"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sc Scenario
			err := decodeStrict([]byte(tc.data), &sc)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
