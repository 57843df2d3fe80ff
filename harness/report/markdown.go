package report

import (
	"fmt"
	"strings"

	"github.com/kmconform/kmconform/harness/results"
)

// Markdown renders the matrix for a pull request, a chat message or a terminal.
func (m *Matrix) Markdown() string {
	var b strings.Builder
	s := m.Summary
	fmt.Fprintf(&b, "# kmconform matrix\n\nGenerated %s. %d cells: %d passed, %d with known incompatibilities only, %d with stale expectations, %d with regressions, %d with environment or harness errors, %d interrupted.\n\n",
		m.Generated.Format("2006-01-02 15:04 MST"), s.Cells, s.Passed, s.KnownFailures, s.Stale, s.Regressions, s.Errors, s.Interrupted)
	isVs, amVs := m.axes()
	b.WriteString("| IS \\ API-M |")
	for _, v := range amVs {
		fmt.Fprintf(&b, " %s |", v)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(amVs)) + "\n")
	for _, is := range isVs {
		fmt.Fprintf(&b, "| %s |", is)
		for _, am := range amVs {
			if c := m.cell(is, am); c != nil {
				fmt.Fprintf(&b, " %s |", c.Label)
			} else {
				b.WriteString(" – |")
			}
		}
		b.WriteString("\n")
	}
	regressions, stale, errs, known := m.Findings()
	section := func(title, explain string, lines []Finding) {
		if len(lines) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", title, explain)
		for _, l := range lines {
			fmt.Fprintf(&b, "- %s\n", mdEscape(l.String()))
		}
	}
	section("Regressions", "Failures no matrix entry explains: act on these.", regressions)
	section("Stale expectations", "Known failures that passed: remove or narrow their matrix entries.", stale)
	section("Environment or harness errors", "The run could not judge these (no Docker, an image missing, a product that never became ready): fix the environment and run the cells again.", errs)
	section("Known incompatibilities", "Listed in the matrix with a reason and a link; not regressions.", known)

	if rows := m.latencyRows(); len(rows) > 0 {
		b.WriteString("\n## Revocation latency\n\nFrom a revocation at IS to the gateway refusing the token (check revocation.latency). The simulator's figures say nothing about the products.\n\n")
		b.WriteString("| cell | target | p50 ms | p95 ms | max ms | samples |\n|---|---|---:|---:|---:|---:|\n")
		for _, c := range rows {
			r := c.Revocation
			fmt.Fprintf(&b, "| %s | %s | %g | %g | %g | %d |\n", c.Name, c.Target, r.P50Ms, r.P95Ms, r.MaxMs, r.Samples)
		}
	}
	if drift := m.driftRows(); len(drift) > 0 {
		b.WriteString("\n## Documentation drift\n\nValues the API-M documentation prints that differ from what IS serves.\n\n")
		b.WriteString("| cell | field | documented | served | source |\n|---|---|---|---|---|\n")
		for _, d := range drift {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", d.cell, mdEscape(d.Field), mdEscape(d.Documented), mdEscape(d.Served), mdEscape(d.Source))
		}
	}
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
	b.WriteString("\nEach cell's results.json, JUnit, suite log, HTTP transcript and product logs are in its folder next to this file; matrix.html shows every check of every cell.\n")
	return b.String()
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}

// latencyRows are the cells with a revocation latency.
func (m *Matrix) latencyRows() []Cell {
	var out []Cell
	for _, c := range m.Cells {
		if c.Revocation != nil {
			out = append(out, c)
		}
	}
	return out
}

type driftRow struct {
	cell string
	results.Drift
}

func (m *Matrix) driftRows() []driftRow {
	var out []driftRow
	for _, c := range m.Cells {
		for _, d := range c.DocumentationDrift {
			out = append(out, driftRow{c.Name, d})
		}
	}
	return out
}
