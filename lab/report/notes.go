package report

import (
	"fmt"
	"strings"
)

// notesMarkdown returns the table of the evidence that hosts wrote as note
// and keys records (signals sent and received, CPU profile samples,
// pthread keys in use), or "" when no cell has any.
func notesMarkdown(cells []*Cell) string {
	var rows []string
	for _, c := range cells {
		for _, r := range c.Records {
			switch {
			case r.Rec == "note":
				rows = append(rows, fmt.Sprintf("| %s | %s | %s |\n", c.Name, r.Name, r.Detail))
			case r.Rec == "keys" && r.KeysInUse != nil && r.KeysMax != nil:
				rows = append(rows, fmt.Sprintf("| %s | pthread keys at %s | %d in use of %d |\n", c.Name, r.Phase, *r.KeysInUse, *r.KeysMax))
			}
		}
	}
	if len(rows) == 0 {
		return ""
	}
	return "\n## Host notes\n\n| cell | note | detail |\n|---|---|---|\n" + strings.Join(rows, "")
}
