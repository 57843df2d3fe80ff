// Package report reads the results.json each cell's run wrote and turns a set of cells into a matrix
// report — Markdown, self-contained HTML and JSON (with a versioned JSON Schema shipped beside this code) —
// that tells regressions from known incompatibilities and from a broken environment.
package report

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kmconform/kmconform/harness/checks"
	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/results"
)

// Verdict is what a cell asks of a release engineer, from nothing to do to act now.
type Verdict string

// The verdicts.
const (
	// Pass: every selected check passed (or does not apply to the target).
	Pass Verdict = "pass"
	// Known: only known incompatibilities or capabilities the cell lacks, each listed in the matrix.
	Known Verdict = "known"
	// Interrupted: the run was stopped (Ctrl-C, SIGTERM) before it finished.
	Interrupted Verdict = "interrupted"
	// Error: the environment or the harness failed (no Docker, an image missing, a product that never
	// became ready, a suite that crashed); the run proves nothing about the products.
	Error Verdict = "error"
	// Stale: a known failure passed; the matrix entry must go.
	Stale Verdict = "stale"
	// Regression: a failure no matrix entry explains.
	Regression Verdict = "regression"
)

// Spec is one check's result in a cell.
type Spec struct {
	ID      string          `json:"id"`
	Area    string          `json:"area"`
	Title   string          `json:"title"`
	Level   string          `json:"level,omitempty"`
	Outcome results.Outcome `json:"outcome"`
	// Message is the first line of the failure or skip reason, redacted.
	Message      string             `json:"message,omitempty"`
	Link         string             `json:"link,omitempty"`
	DurationMs   int64              `json:"durationMs"`
	Measurements map[string]float64 `json:"measurements,omitempty"`
}

// Setup is the base setup's outcome in a cell.
type Setup struct {
	Outcome results.Outcome `json:"outcome"`
	Step    string          `json:"step,omitempty"`
	Message string          `json:"message,omitempty"`
	Link    string          `json:"link,omitempty"`
	// Stale lists known setup or fixture failures that did not happen.
	Stale []string `json:"stale,omitempty"`
}

// Latency is the revocation latency the check revocation.latency measured in a cell.
type Latency struct {
	P50Ms   float64 `json:"p50Ms"`
	P95Ms   float64 `json:"p95Ms"`
	MaxMs   float64 `json:"maxMs"`
	Samples int     `json:"samples"`
}

// The measurements of revocation.latency (the check records them on its spec).
const (
	LatencyP50     = "revocation-latency-p50-ms"
	LatencyP95     = "revocation-latency-p95-ms"
	LatencyMax     = "revocation-latency-max-ms"
	LatencySamples = "revocation-latency-samples"
)

// Cell is one cell's result.
type Cell struct {
	Name   string `json:"name"`
	IS     string `json:"is"`
	APIM   string `json:"apim"`
	Target string `json:"target,omitempty"`
	// Dir is the cell's folder relative to the matrix report (its name), so that links survive moving the
	// report folder.
	Dir         string  `json:"dir"`
	Verdict     Verdict `json:"verdict"`
	Label       string  `json:"label"`
	Seed        int64   `json:"seed,omitempty"`
	LabelFilter string  `json:"labelFilter,omitempty"`
	DurationMs  int64   `json:"durationMs"`
	Interrupted bool    `json:"interrupted,omitempty"`
	Setup       Setup   `json:"setup"`
	Specs       []Spec  `json:"specs"`
	// Revocation is the latency measured by revocation.latency (nil when it did not run).
	Revocation         *Latency        `json:"revocation,omitempty"`
	DocumentationDrift []results.Drift `json:"documentationDrift"`
}

// Count returns how many specs had an outcome.
func (c Cell) Count(o results.Outcome) int {
	n := 0
	for _, s := range c.Specs {
		if s.Outcome == o {
			n++
		}
	}
	return n
}

// Spec returns a check's result in the cell.
func (c Cell) Spec(id string) (Spec, bool) {
	for _, s := range c.Specs {
		if s.ID == id {
			return s, true
		}
	}
	return Spec{}, false
}

// ReadCell reads <dir>/results.json. A cell folder without one is a run that never finished: the harness
// or the environment failed (an error), unless it was interrupted.
func ReadCell(dir string) (Cell, error) {
	r, err := results.Read(dir)
	if errors.Is(err, results.ErrMissing) {
		name := filepath.Base(dir)
		is, apim, ok := ParseCellName(name)
		if !ok {
			return Cell{}, fmt.Errorf("%s is not a cell folder (want is-<version>_apim-<version>)", dir)
		}
		c := Cell{Name: name, IS: is, APIM: apim, Dir: name, Specs: []Spec{}, DocumentationDrift: []results.Drift{},
			Setup: Setup{Outcome: results.Error, Message: "the run wrote no results.json: kmconform or the suite stopped before the end (see suite.log in the cell's folder)"}}
		c.judge()
		return c, nil
	}
	if err != nil {
		return Cell{}, err
	}
	return FromResults(r), nil
}

// FromResults turns a cell's typed results into the report's.
func FromResults(r *results.Cell) Cell {
	c := Cell{Name: r.Cell, IS: r.IS, APIM: r.APIM, Target: r.Target, Dir: r.Cell, Seed: r.Seed, LabelFilter: r.LabelFilter,
		DurationMs: r.DurationMs, Interrupted: r.Interrupted,
		Setup: Setup{Outcome: r.Setup.Outcome, Step: r.Setup.Step, Message: firstLine(evidence.Redact(r.Setup.Message)),
			Link: r.Setup.Link, Stale: r.Setup.Stale},
		DocumentationDrift: r.DocumentationDrift, Specs: []Spec{}}
	if c.DocumentationDrift == nil {
		c.DocumentationDrift = []results.Drift{}
	}
	for _, s := range r.Specs {
		c.Specs = append(c.Specs, Spec{ID: s.ID, Area: s.Area, Title: s.Title, Level: s.Level, Outcome: s.Outcome,
			Message: firstLine(evidence.Redact(s.Message)), Link: s.Link, DurationMs: s.DurationMs, Measurements: s.Measurements})
		if _, ok := s.Measurements[LatencyP50]; ok && c.Revocation == nil {
			m := s.Measurements
			c.Revocation = &Latency{P50Ms: m[LatencyP50], P95Ms: m[LatencyP95], MaxMs: m[LatencyMax], Samples: int(m[LatencySamples])}
		}
	}
	slices.SortFunc(c.Specs, func(a, b Spec) int { return compareChecks(a.Area, a.ID, b.Area, b.ID) })
	c.judge()
	return c
}

// judge sets the cell's verdict and label from its setup and specs.
func (c *Cell) judge() {
	c.Verdict = c.verdict()
	c.Label = c.label()
}

func (c Cell) verdict() Verdict {
	switch {
	case c.Setup.Outcome == results.Failed || c.Count(results.Failed) > 0:
		return Regression
	case len(c.Setup.Stale) > 0 || c.Setup.Outcome == results.XPass || c.Count(results.XPass) > 0:
		return Stale
	case c.Setup.Outcome == results.Error || c.Count(results.Error) > 0:
		return Error
	case c.Interrupted || (c.Setup.Outcome == results.Skipped):
		return Interrupted
	case c.Setup.Outcome == results.XFail || c.Count(results.XFail)+c.Count(results.NotSupported) > 0:
		return Known
	}
	return Pass
}

func (c Cell) label() string {
	switch c.Verdict {
	case Regression:
		if c.Setup.Outcome == results.Failed {
			return "REGRESSION (setup)"
		}
		return fmt.Sprintf("REGRESSION %d", c.Count(results.Failed))
	case Stale:
		return fmt.Sprintf("STALE %d", c.Count(results.XPass)+len(c.Setup.Stale))
	case Error:
		if c.Setup.Outcome == results.Error {
			return "ERROR (setup)"
		}
		return fmt.Sprintf("ERROR %d", c.Count(results.Error))
	case Interrupted:
		return fmt.Sprintf("INTERRUPTED, PASS %d", c.Count(results.Passed))
	case Known:
		if c.Setup.Outcome == results.XFail {
			return "KNOWN (setup)"
		}
		return fmt.Sprintf("KNOWN %d, PASS %d", c.Count(results.XFail)+c.Count(results.NotSupported), c.Count(results.Passed))
	}
	na := c.Count(results.NotApplicable)
	l := fmt.Sprintf("PASS %d/%d", c.Count(results.Passed), len(c.Specs)-na)
	if na > 0 {
		l += fmt.Sprintf(", %d n/a", na)
	}
	return l
}

// ParseCellName splits is-<version>_apim-<version>.
func ParseCellName(name string) (is, apim string, ok bool) {
	a, b, found := strings.Cut(name, "_apim-")
	if !found || !strings.HasPrefix(a, "is-") || b == "" || a == "is-" {
		return "", "", false
	}
	return strings.TrimPrefix(a, "is-"), b, true
}

// compareChecks orders checks by the catalogue's area order, then by ID; unknown areas go last.
func compareChecks(areaA, idA, areaB, idB string) int {
	ai, bi := areaIndex(areaA), areaIndex(areaB)
	if ai != bi {
		return ai - bi
	}
	if areaA != areaB {
		return strings.Compare(areaA, areaB)
	}
	return strings.Compare(idA, idB)
}

func areaIndex(area string) int {
	if i := slices.Index(checks.Areas, area); i >= 0 {
		return i
	}
	return len(checks.Areas)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	const max = 400
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
