package judge

import (
	"fmt"
	"slices"
	"strings"
)

// CheckExpectedBounds fails when a thread kind that want names did not
// call Go or its worst call has another bounds class than want gives.
func CheckExpectedBounds(want map[string]string, got []KindBounds) Check {
	c := Check{Name: "expected-bounds", Passed: true}
	var kinds []string
	for k := range want {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var details []string
	for _, k := range kinds {
		i := slices.IndexFunc(got, func(kb KindBounds) bool { return kb.Kind == k })
		switch {
		case i < 0:
			c.Passed = false
			details = append(details, fmt.Sprintf("%s: expected %s, got no call", k, want[k]))
		case string(got[i].Class) != want[k]:
			c.Passed = false
			details = append(details, fmt.Sprintf("%s: expected %s, got %s", k, want[k], got[i].Class))
		default:
			details = append(details, fmt.Sprintf("%s: %s as expected", k, got[i].Class))
		}
	}
	c.Detail = strings.Join(details, "; ")
	return c
}
