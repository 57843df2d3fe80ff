package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kmconform/kmconform/harness/results"
)

// SchemaVersion is the version of matrix.json's layout (schema/matrix-v<N>.schema.json).
const SchemaVersion = 1

// Matrix is every cell of a run (or of a reports folder).
type Matrix struct {
	SchemaVersion int       `json:"schemaVersion"`
	Generated     time.Time `json:"generated"`
	Summary       Summary   `json:"summary"`
	// Checks are the grid's columns: every check any cell reports, in catalogue order.
	Checks []Column `json:"checks"`
	Cells  []Cell   `json:"cells"`
}

// Column is one check of the grid.
type Column struct {
	ID    string `json:"id"`
	Area  string `json:"area"`
	Title string `json:"title"`
}

// Summary counts cells by verdict.
type Summary struct {
	Cells int `json:"cells"`
	// Verdict is the matrix's: its worst cell's.
	Verdict       Verdict `json:"verdict"`
	Passed        int     `json:"passed"`
	KnownFailures int     `json:"knownFailures"` // only known incompatibilities or unsupported capabilities
	Interrupted   int     `json:"interrupted"`
	Errors        int     `json:"errors"`      // the environment or the harness failed
	Stale         int     `json:"stale"`       // a known failure passed: the matrix must be updated
	Regressions   int     `json:"regressions"` // a failure no matrix entry explains
}

// New builds a matrix from cells: sorted by version, with its columns and summary.
func New(cells []Cell, generated time.Time) *Matrix {
	m := &Matrix{SchemaVersion: SchemaVersion, Generated: generated.UTC(), Cells: slices.Clone(cells)}
	if m.Cells == nil {
		m.Cells = []Cell{}
	}
	slices.SortFunc(m.Cells, func(a, b Cell) int {
		if a.IS != b.IS {
			return compareVersions(a.IS, b.IS)
		}
		return compareVersions(a.APIM, b.APIM)
	})
	seen := map[string]bool{}
	m.Checks = []Column{}
	for _, c := range m.Cells {
		for _, s := range c.Specs {
			if !seen[s.ID] {
				seen[s.ID] = true
				m.Checks = append(m.Checks, Column{ID: s.ID, Area: s.Area, Title: s.Title})
			}
		}
	}
	slices.SortFunc(m.Checks, func(a, b Column) int { return compareChecks(a.Area, a.ID, b.Area, b.ID) })
	m.Summary = m.summary()
	return m
}

// Read collects every cell folder (is-*_apim-*) directly under reportsDir.
func Read(reportsDir string) (*Matrix, error) {
	dirs, err := CellDirs(reportsDir)
	if err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("no cell reports under %s: run 'kmconform run' or 'kmconform matrix' first", reportsDir)
	}
	var cells []Cell
	for _, d := range dirs {
		c, err := ReadCell(d)
		if err != nil {
			return nil, err
		}
		cells = append(cells, c)
	}
	return New(cells, time.Now()), nil
}

// CellDirs lists the cell folders (is-<v>_apim-<v>) directly under dir.
func CellDirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read reports folder: %w", err)
	}
	var out []string
	for _, e := range entries {
		if _, _, ok := ParseCellName(e.Name()); ok && e.IsDir() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}

func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		var x, y int
		_, errX := fmt.Sscan(pa[i], &x)
		_, errY := fmt.Sscan(pb[i], &y)
		if errX != nil || errY != nil {
			if c := strings.Compare(pa[i], pb[i]); c != 0 {
				return c
			}
			continue
		}
		if x != y {
			return x - y
		}
	}
	return len(pa) - len(pb)
}

func (m *Matrix) summary() Summary {
	s := Summary{Cells: len(m.Cells), Verdict: Pass}
	for _, c := range m.Cells {
		switch c.Verdict {
		case Pass:
			s.Passed++
		case Known:
			s.KnownFailures++
		case Interrupted:
			s.Interrupted++
		case Error:
			s.Errors++
		case Stale:
			s.Stale++
		default:
			s.Regressions++
		}
		if verdictRank(c.Verdict) > verdictRank(s.Verdict) {
			s.Verdict = c.Verdict
		}
	}
	return s
}

func verdictRank(v Verdict) int {
	return slices.Index([]Verdict{Pass, Known, Interrupted, Error, Stale, Regression}, v)
}

// The exit codes of run, matrix and report (README "Exit status").
const (
	ExitOK          = 0   // every expectation met
	ExitFailed      = 1   // a regression or a stale expectation
	ExitBadInput    = 2   // bad input: the message says what to do
	ExitEnvironment = 3   // the environment or the harness failed: the run proves nothing either way
	ExitInterrupted = 130 // stopped by Ctrl-C or SIGTERM before the end
)

// ExitCode is the status a command ends with for this matrix. A regression or a stale expectation wins
// over a broken environment: what was found is real whatever happened to other cells.
func (m *Matrix) ExitCode() int {
	s := m.Summary
	switch {
	case s.Regressions > 0 || s.Stale > 0:
		return ExitFailed
	case s.Errors > 0:
		return ExitEnvironment
	case s.Interrupted > 0:
		return ExitInterrupted
	}
	return ExitOK
}

// Line is the one-line summary the CLI prints.
func (m *Matrix) Line() string {
	s := m.Summary
	return fmt.Sprintf("matrix of %d cells: %d passed, %d known incompatibilities only, %d stale expectations, %d with regressions, %d environment or harness errors, %d interrupted",
		s.Cells, s.Passed, s.KnownFailures, s.Stale, s.Regressions, s.Errors, s.Interrupted)
}

// JSON is matrix.json.
func (m *Matrix) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Write writes matrix.md, matrix.html and matrix.json into dir and returns their paths. Each file is
// written next to its final name and renamed, so a reader never sees half a report.
func (m *Matrix) Write(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	js, err := m.JSON()
	if err != nil {
		return nil, err
	}
	html, err := m.HTML()
	if err != nil {
		return nil, err
	}
	files := []struct {
		name string
		body []byte
	}{{"matrix.json", js}, {"matrix.md", []byte(m.Markdown())}, {"matrix.html", html}}
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		tmp := p + ".tmp"
		if err := os.WriteFile(tmp, f.body, 0o644); err != nil {
			_ = os.Remove(tmp)
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
		if err := os.Rename(tmp, p); err != nil {
			_ = os.Remove(tmp)
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// cell returns the cell of two versions, or nil.
func (m *Matrix) cell(is, apim string) *Cell {
	for i := range m.Cells {
		if m.Cells[i].IS == is && m.Cells[i].APIM == apim {
			return &m.Cells[i]
		}
	}
	return nil
}

// axes are the versions on each side, in order.
func (m *Matrix) axes() (is, apim []string) {
	for _, c := range m.Cells {
		if !slices.Contains(is, c.IS) {
			is = append(is, c.IS)
		}
		if !slices.Contains(apim, c.APIM) {
			apim = append(apim, c.APIM)
		}
	}
	slices.SortFunc(is, compareVersions)
	slices.SortFunc(apim, compareVersions)
	return is, apim
}

// Finding is one line a release engineer must read, with the cell it is about.
type Finding struct {
	Cell string `json:"cell"`
	// Check is the check's ID ("" for the setup).
	Check string `json:"check,omitempty"`
	Text  string `json:"text"`
	Link  string `json:"link,omitempty"`
}

// Findings lists what must be read, by kind: regressions, stale expectations, environment errors and
// known incompatibilities.
func (m *Matrix) Findings() (regressions, stale, errs, known []Finding) {
	for _, c := range m.Cells {
		text := "setup: " + c.Setup.Message
		if c.Setup.Step != "" {
			text = "setup " + c.Setup.Step + ": " + c.Setup.Message
		}
		setup := Finding{Cell: c.Name, Text: text, Link: c.Setup.Link}
		switch c.Setup.Outcome {
		case results.Failed:
			regressions = append(regressions, setup)
		case results.Error:
			errs = append(errs, setup)
		case results.XFail:
			known = append(known, setup)
		}
		for _, s := range c.Setup.Stale {
			stale = append(stale, Finding{Cell: c.Name, Text: firstLine(s)})
		}
		for _, s := range c.Specs {
			f := Finding{Cell: c.Name, Check: s.ID, Text: s.Message, Link: s.Link}
			switch s.Outcome {
			case results.Failed:
				regressions = append(regressions, f)
			case results.XPass:
				stale = append(stale, f)
			case results.Error:
				errs = append(errs, f)
			case results.XFail, results.NotSupported:
				known = append(known, f)
			}
		}
	}
	return regressions, stale, errs, known
}

func (f Finding) String() string {
	if f.Check == "" {
		return f.Cell + " — " + f.Text
	}
	return f.Cell + " — " + f.Check + ": " + f.Text
}

// measurementNames lists every measurement of any spec, sorted.
func (m *Matrix) measurementNames() []string {
	var names []string
	for _, c := range m.Cells {
		for _, s := range c.Specs {
			for n := range s.Measurements {
				if !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
	}
	slices.Sort(names)
	return names
}

func (c Cell) measurement(name string) (float64, bool) {
	for _, s := range c.Specs {
		if v, ok := s.Measurements[name]; ok {
			return v, true
		}
	}
	return 0, false
}
