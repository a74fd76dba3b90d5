package judge

import (
	"fmt"
	"strings"

	"github.com/cgohostlab/cgohostlab/scenarios"
)

// CheckPthreadKeys fails when the number of pthread keys in use in the
// process changes between the host's keys records. The host counts them
// after its first call into Go, while many C threads are bound to Ms and
// after they exit. A runtime that created a key per thread or per M would
// show a growing count, and musl allows only 128 keys in a process.
func CheckPthreadKeys(out *Output) Check {
	c := Check{Name: scenarios.CheckPthreadKeys, Passed: true}
	var phases []string
	var first int64
	for i, r := range out.Keys {
		if r.KeysInUse == nil {
			c.Passed = false
			c.Detail = fmt.Sprintf("keys record %q has no keys_in_use", r.Phase)
			return c
		}
		if i == 0 {
			first = *r.KeysInUse
		}
		d := fmt.Sprintf("%s %d", r.Phase, *r.KeysInUse)
		if *r.KeysInUse != first {
			c.Passed = false
			d += " CHANGED"
		}
		phases = append(phases, d)
	}
	if len(out.Keys) < 2 {
		c.Passed = false
		c.Detail = fmt.Sprintf("need keys records from at least two phases, got %d", len(out.Keys))
		return c
	}
	keysMax := "unknown"
	if m := out.Keys[0].KeysMax; m != nil {
		keysMax = fmt.Sprint(*m)
	}
	c.Detail = fmt.Sprintf("pthread keys in use: %s (maximum %s)", strings.Join(phases, ", "), keysMax)
	return c
}
