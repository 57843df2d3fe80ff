package report

import (
	"fmt"
	"strings"
)

// Markdown renders the matrix for a pull request, a chat message or a terminal.
func (m *Matrix) Markdown() string {
	var b strings.Builder
	s := m.Summary()
	fmt.Fprintf(&b, "# kmconform matrix\n\nGenerated %s. %d cells: %d passed, %d with known incompatibilities only, %d with stale expectations, %d with regressions.\n\n",
		m.Generated.Format("2006-01-02 15:04 MST"), s.Cells, s.Passed, s.KnownFailures, s.Stale, s.Regressions)
	isVs, amVs := m.axes()
	b.WriteString("| IS \\ API-M |")
	for _, v := range amVs {
		fmt.Fprintf(&b, " %s |", v)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(amVs)) + "\n")
	for _, is := range isVs {
		fmt.Fprintf(&b, "| %s |", is)
		for _, am := range amVs {
			fmt.Fprintf(&b, " %s |", label(m.cell(is, am)))
		}
		b.WriteString("\n")
	}
	regressions, stale, known := m.findings()
	section := func(title, explain string, lines []string) {
		if len(lines) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", title, explain)
		for _, l := range lines {
			fmt.Fprintf(&b, "- %s\n", mdEscape(l))
		}
	}
	section("Regressions", "Failures no matrix entry explains: act on these.", regressions)
	section("Stale expectations", "Known failures that passed: remove or narrow their matrix entries.", stale)
	section("Known incompatibilities", "Listed in the matrix with a reason and a link; not regressions.", known)
	if names := m.measurementNames(); len(names) > 0 {
		b.WriteString("\n## Measurements\n\n| cell |")
		for _, n := range names {
			fmt.Fprintf(&b, " %s |", n)
		}
		b.WriteString("\n|---|" + strings.Repeat("---:|", len(names)) + "\n")
		for _, c := range m.Cells {
			fmt.Fprintf(&b, "| %s |", c.Name)
			for _, n := range names {
				if v, ok := c.measurement(n); ok {
					fmt.Fprintf(&b, " %g |", v)
				} else {
					b.WriteString(" – |")
				}
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\nEach cell's results.json, JUnit, HTTP transcript and product logs are in its folder next to this file.\n")
	return b.String()
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}
