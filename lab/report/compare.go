package report

import (
	"fmt"
	"slices"
	"strings"
)

// Difference is a cell whose verdict is not the same in every report.
type Difference struct {
	Cell string
	// Verdicts holds the cell's verdict in each report, in order; "absent"
	// where a report does not hold the cell.
	Verdicts []string
}

// Compare returns the cells whose verdicts differ between reports, sorted
// by name. Cells that a report does not hold count as "absent".
func Compare(reports []*Report) []Difference {
	verdicts := map[string][]string{}
	for i, r := range reports {
		for _, c := range r.Cells {
			v, ok := verdicts[c.Name]
			if !ok {
				v = make([]string, len(reports))
				for j := range v {
					v[j] = "absent"
				}
				verdicts[c.Name] = v
			}
			v[i] = string(c.Verdict)
		}
	}
	var diffs []Difference
	for name, v := range verdicts {
		for _, x := range v[1:] {
			if x != v[0] {
				diffs = append(diffs, Difference{Cell: name, Verdicts: v})
				break
			}
		}
	}
	slices.SortFunc(diffs, func(a, b Difference) int { return strings.Compare(a.Cell, b.Cell) })
	return diffs
}

func (d Difference) String() string {
	return fmt.Sprintf("%s: %s", d.Cell, strings.Join(d.Verdicts, " | "))
}
