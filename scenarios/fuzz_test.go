package scenarios

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the scenario-file parser: it must
// return a scenario or an error that names the file, and never panic.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"deepstack.json", "churn.json", "callbackcost.json", "smallstack.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"name":"x","summary":"s","host":"h","timeout":"1s","checks":[],"expect":[{"outcome":"fail","reason":"r","signature":{"any_of":[{"verdict":"hang"}]}}]}`))
	f.Add([]byte(`{"timeout":"-5s"}`))
	f.Add([]byte(`[]`))

	set, err := Builtin()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse("x.json", data, set)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "x.json: ") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		if sc.Name != "x" || sc.Timeout.Duration <= 0 {
			t.Errorf("accepted an invalid scenario: %+v", sc)
		}
	})
}
