// Package report reads the JUnit a cell's run wrote and turns a set of cells into a matrix report
// (Markdown, self-contained HTML, JSON) that tells regressions from known incompatibilities.
package report

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/kmconform/kmconform/harness/evidence"
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

type junitFile struct {
	Suites []struct {
		Cases []junitCase `xml:"testcase"`
	} `xml:"testsuite"`
}

type junitCase struct {
	Name    string `xml:"name,attr"`
	Status  string `xml:"status,attr"`
	Failure *struct {
		Message string `xml:"message,attr"`
	} `xml:"failure"`
	Skipped *struct {
		Message string `xml:"message,attr"`
	} `xml:"skipped"`
	Properties []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	} `xml:"properties>property"`
}

// ReadCell reads reports/<cell>/junit.xml and run-config.json.
func ReadCell(dir string) (Cell, error) {
	c := Cell{Name: filepath.Base(dir), JUnit: filepath.Join(dir, "junit.xml"), Setup: Passed}
	var cfg struct {
		IS, APIM, Target string
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "run-config.json")); err == nil {
		_ = json.Unmarshal(raw, &cfg)
	}
	c.IS, c.APIM, c.Target = cfg.IS, cfg.APIM, cfg.Target
	if c.IS == "" || c.APIM == "" {
		is, apim, ok := parseCellName(c.Name)
		if !ok {
			return c, fmt.Errorf("%s is not a cell folder (want is-<version>_apim-<version>)", dir)
		}
		c.IS, c.APIM = is, apim
	}
	raw, err := os.ReadFile(c.JUnit)
	if errors.Is(err, os.ErrNotExist) {
		c.Setup, c.SetupMessage = Regression, "the run wrote no JUnit (it was interrupted or could not start)"
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read %s: %w", c.JUnit, err)
	}
	var jf junitFile
	if err := xml.Unmarshal(raw, &jf); err != nil {
		return c, fmt.Errorf("%s is not valid JUnit: %w", c.JUnit, err)
	}
	for _, s := range jf.Suites {
		for _, tc := range s.Cases {
			c.add(tc)
		}
	}
	sort.Slice(c.Specs, func(i, j int) bool { return c.Specs[i].Name < c.Specs[j].Name })
	return c, nil
}

func (c *Cell) add(tc junitCase) {
	msg := ""
	switch {
	case tc.Failure != nil:
		msg = tc.Failure.Message
	case tc.Skipped != nil:
		msg = strings.TrimPrefix(strings.TrimPrefix(tc.Skipped.Message, "skipped"), " - ")
	}
	msg = firstLine(evidence.Redact(msg))
	if !strings.HasPrefix(tc.Name, "[It]") {
		// Suite nodes: only the setup (BeforeSuite) and failed cleanups matter.
		switch {
		case tc.Status == "skipped" && strings.HasPrefix(msg, "XFAIL"):
			c.Setup, c.SetupMessage = KnownFailure, msg
		case tc.Status != "passed" && tc.Status != "skipped":
			c.Setup, c.SetupMessage = Regression, strings.TrimSpace(tc.Name+" "+msg)
		}
		return
	}
	s := Spec{Name: strings.TrimSpace(strings.TrimPrefix(tc.Name, "[It]")), Message: msg}
	switch {
	case tc.Status == "passed":
		s.Outcome = Passed
	case tc.Status == "skipped" && strings.HasPrefix(msg, "XFAIL"):
		s.Outcome = KnownFailure
	case tc.Status == "skipped" && strings.HasPrefix(msg, "NOT_SUPPORTED"):
		s.Outcome = NotSupported
	case tc.Status == "skipped" || tc.Status == "pending":
		s.Outcome = Skipped
	case strings.HasPrefix(msg, "XPASS"):
		s.Outcome = Stale
	default:
		s.Outcome = Regression
	}
	for _, p := range tc.Properties {
		if v, err := strconv.ParseFloat(p.Value, 64); err == nil {
			if s.Measurements == nil {
				s.Measurements = map[string]float64{}
			}
			s.Measurements[p.Name] = v
		}
	}
	c.Specs = append(c.Specs, s)
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
