// Package results is the typed result of one cell's run, reports/<cell>/results.json: what the suite
// writes, what the matrix report and the CLI read. JUnit is written too, for CI viewers, but nothing in
// kmconform parses it back.
package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// SchemaVersion is the version of the results.json layout; readers refuse a newer one.
const SchemaVersion = 1

// FileName is the name of the file in a cell's report folder.
const FileName = "results.json"

// Outcome is what happened to one check, in the vocabulary a release engineer acts on.
type Outcome string

// The outcomes.
const (
	Passed       Outcome = "passed"
	Failed       Outcome = "failed"        // failed, and nothing said it would: a regression
	NotSupported Outcome = "not_supported" // the cell lacks the capability (matrix)
	XFail        Outcome = "xfail"         // failed for the reason the matrix lists
	XPass        Outcome = "xpass"         // a known failure passed: the matrix entry is stale
	Skipped      Outcome = "skipped"       // did not run (setup failed or was skipped, run interrupted)
	// NotApplicable is a check the target cannot run (attach: no file access).
	NotApplicable Outcome = "not_applicable"
	// Error is the environment or the harness failing, not a product: the Docker engine went away, an image
	// is missing, a product never became ready or stopped answering. The run proves nothing either way.
	Error Outcome = "error"
)

// Ran reports whether the check actually executed.
func (o Outcome) Ran() bool { return o == Passed || o == Failed || o == XFail || o == XPass }

// Spec is one check's result.
type Spec struct {
	ID         string   `json:"id"`
	Area       string   `json:"area"`
	Capability string   `json:"capability"`
	Title      string   `json:"title"`
	Level      string   `json:"level,omitempty"`
	Refs       []string `json:"refs"`
	Outcome    Outcome  `json:"outcome"`
	// Message is why it failed or was skipped, redacted; for a failure it points at the HTTP transcript.
	Message      string             `json:"message,omitempty"`
	Link         string             `json:"link,omitempty"`
	DurationMs   int64              `json:"durationMs"`
	Measurements map[string]float64 `json:"measurements,omitempty"`
}

// Step is a base setup step or a fixture.
type Step struct {
	ID         string  `json:"id"`
	Name       string  `json:"name,omitempty"`
	Kind       string  `json:"kind"` // "setup" or "fixture"
	Outcome    Outcome `json:"outcome"`
	Message    string  `json:"message,omitempty"`
	DurationMs int64   `json:"durationMs"`
}

// Setup is the base setup's outcome: passed, failed (a regression), xfail (a known incompatibility of the
// cell stopped it; no check ran) or skipped (interrupted before it finished).
type Setup struct {
	Outcome Outcome `json:"outcome"`
	// Step is the failed step's id.
	Step    string `json:"step,omitempty"`
	Message string `json:"message,omitempty"`
	Link    string `json:"link,omitempty"`
	Steps   []Step `json:"steps,omitempty"`
	// Stale lists known setup or fixture failures of the cell that did not happen (each an XPASS).
	Stale []string `json:"stale,omitempty"`
}

// Drift is a value the API-M documentation prints that differs from what IS serves.
type Drift struct {
	Field      string `json:"field"`
	Documented string `json:"documented"`
	Served     string `json:"served"`
	Source     string `json:"source"`
}

// Cell is the result of one cell.
type Cell struct {
	SchemaVersion int    `json:"schemaVersion"`
	Cell          string `json:"cell"`
	IS            string `json:"is"`
	APIM          string `json:"apim"`
	Target        string `json:"target"`
	// Profile is the Key Manager profile the cell ran with; empty for the default, WSO2 IS 7.
	Profile string `json:"profile,omitempty"`
	// LabelFilter is the filter the run was given ("" for every check).
	LabelFilter string `json:"labelFilter,omitempty"`
	// Seed is the order the checks ran in (kmconform run --seed repeats it).
	Seed               int64     `json:"seed,omitempty"`
	Started            time.Time `json:"started"`
	DurationMs         int64     `json:"durationMs"`
	Setup              Setup     `json:"setup"`
	Specs              []Spec    `json:"specs"`
	DocumentationDrift []Drift   `json:"documentationDrift"`
	// Interrupted is set when the run was stopped (Ctrl-C, SIGTERM) before every check ran.
	Interrupted bool `json:"interrupted,omitempty"`
	// Teardown says what could not be removed after the run, and how to remove it ("" when everything was).
	Teardown string `json:"teardown,omitempty"`
}

// Count returns how many checks had an outcome.
func (c *Cell) Count(o Outcome) int {
	n := 0
	for _, s := range c.Specs {
		if s.Outcome == o {
			n++
		}
	}
	return n
}

// Executed is how many checks ran.
func (c *Cell) Executed() int {
	n := 0
	for _, s := range c.Specs {
		if s.Outcome.Ran() {
			n++
		}
	}
	return n
}

// Write writes results.json into dir.
func Write(dir string, c *Cell) error {
	c.SchemaVersion = SchemaVersion
	if c.DocumentationDrift == nil {
		c.DocumentationDrift = []Drift{}
	}
	if c.Specs == nil {
		c.Specs = []Spec{}
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, FileName+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", FileName, err)
	}
	return os.Rename(tmp, filepath.Join(dir, FileName))
}

// ErrMissing is returned by Read when a cell folder holds no results.json.
var ErrMissing = errors.New("no " + FileName)

// Read reads dir/results.json.
func Read(dir string) (*Cell, error) {
	raw, err := os.ReadFile(filepath.Join(dir, FileName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", dir, ErrMissing)
	}
	if err != nil {
		return nil, err
	}
	var c Cell
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", filepath.Join(dir, FileName), err)
	}
	if c.SchemaVersion > SchemaVersion {
		return nil, fmt.Errorf("%s has schema version %d; this kmconform reads up to %d: use a newer kmconform",
			filepath.Join(dir, FileName), c.SchemaVersion, SchemaVersion)
	}
	return &c, nil
}
