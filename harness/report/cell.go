// Package report reads the results.json each cell's run wrote and turns a set of cells into a matrix
// report (Markdown, self-contained HTML, JSON) that tells regressions from known incompatibilities.
package report

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/results"
)

// Outcome is what happened to one spec, in the vocabulary a release engineer acts on.
type Outcome string

// The outcomes, from good to bad.
const (
	Passed       Outcome = "passed"
	NotSupported Outcome = "not-supported" // the cell lacks the capability (matrix)
	KnownFailure Outcome = "known-failure" // failed as the matrix expects (XFAIL)
	Skipped      Outcome = "skipped"       // skipped for another reason (e.g. setup skipped the cell)
	Stale        Outcome = "stale"         // a known failure passed (XPASS): the matrix entry must go
	Regression   Outcome = "regression"    // failed, and nothing said it would
)

// Spec is one spec of one cell.
type Spec struct {
	Name    string  `json:"name"`
	Outcome Outcome `json:"outcome"`
	// Message is the first line of the failure or skip reason, redacted.
	Message string `json:"message,omitempty"`
	// Measurements are numeric report entries, e.g. revocation-latency-ms.
	Measurements map[string]float64 `json:"measurements,omitempty"`
}

// Cell is one cell's result.
type Cell struct {
	Name   string `json:"name"`
	IS     string `json:"is"`
	APIM   string `json:"apim"`
	Target string `json:"target,omitempty"`
	// Setup is the setup's outcome: passed, known-failure (a listed incompatibility skipped the cell) or
	// regression (setup failed unexpectedly); Message says why.
	Setup        Outcome `json:"setup"`
	SetupMessage string  `json:"setupMessage,omitempty"`
	Specs        []Spec  `json:"specs"`
	// JUnit is the path of the cell's JUnit file.
	JUnit string `json:"junit"`
}

// Verdict is the cell's worst outcome.
func (c Cell) Verdict() Outcome {
	worst := c.Setup
	for _, s := range c.Specs {
		if rank(s.Outcome) > rank(worst) {
			worst = s.Outcome
		}
	}
	return worst
}

// Count returns how many specs had an outcome.
func (c Cell) Count(o Outcome) int {
	n := 0
	for _, s := range c.Specs {
		if s.Outcome == o {
			n++
		}
	}
	return n
}

func rank(o Outcome) int {
	switch o {
	case Passed:
		return 0
	case NotSupported, Skipped:
		return 1
	case KnownFailure:
		return 2
	case Stale:
		return 3
	case Regression:
		return 4
	}
	return 4
}

// ReadCell reads reports/<cell>/results.json, the typed result the suite writes.
func ReadCell(dir string) (Cell, error) {
	c := Cell{Name: filepath.Base(dir), JUnit: filepath.Join(dir, "junit.xml"), Setup: Passed}
	r, err := results.Read(dir)
	if errors.Is(err, results.ErrMissing) {
		is, apim, ok := parseCellName(c.Name)
		if !ok {
			return c, fmt.Errorf("%s is not a cell folder (want is-<version>_apim-<version>)", dir)
		}
		c.IS, c.APIM = is, apim
		c.Setup, c.SetupMessage = Regression, "the run wrote no results (it was interrupted or could not start)"
		return c, nil
	}
	if err != nil {
		return c, err
	}
	return FromResults(r, c.JUnit), nil
}

// FromResults turns a cell's typed results into the report's vocabulary.
func FromResults(r *results.Cell, junit string) Cell {
	c := Cell{Name: r.Cell, IS: r.IS, APIM: r.APIM, Target: r.Target, JUnit: junit, Setup: Passed}
	switch r.Setup.Outcome {
	case results.Passed:
	case results.XFail:
		c.Setup, c.SetupMessage = KnownFailure, firstLine(r.Setup.Message)
	case results.Skipped:
		c.Setup, c.SetupMessage = Regression, "the run ended before its setup did"
	default:
		c.Setup, c.SetupMessage = Regression, firstLine(strings.TrimSpace("setup step "+r.Setup.Step+": "+r.Setup.Message))
	}
	if len(r.Setup.Stale) > 0 && c.Setup == Passed {
		c.Setup, c.SetupMessage = Stale, firstLine(strings.Join(r.Setup.Stale, "; "))
	}
	for _, s := range r.Specs {
		c.Specs = append(c.Specs, Spec{Name: "[" + s.ID + "] " + s.Title, Outcome: outcomeOf(s.Outcome),
			Message: firstLine(evidence.Redact(s.Message)), Measurements: s.Measurements})
	}
	sort.Slice(c.Specs, func(i, j int) bool { return c.Specs[i].Name < c.Specs[j].Name })
	return c
}

func outcomeOf(o results.Outcome) Outcome {
	switch o {
	case results.Passed:
		return Passed
	case results.NotSupported:
		return NotSupported
	case results.XFail:
		return KnownFailure
	case results.XPass:
		return Stale
	case results.Failed:
		return Regression
	}
	return Skipped
}

func parseCellName(name string) (is, apim string, ok bool) {
	a, b, found := strings.Cut(name, "_apim-")
	if !found || !strings.HasPrefix(a, "is-") {
		return "", "", false
	}
	return strings.TrimPrefix(a, "is-"), b, true
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
