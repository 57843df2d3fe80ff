package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Matrix is every cell of a run (or of a reports folder).
type Matrix struct {
	Generated time.Time `json:"generated"`
	Cells     []Cell    `json:"cells"`
}

// Summary counts cells by verdict.
type Summary struct {
	Cells         int `json:"cells"`
	Passed        int `json:"passed"`
	KnownFailures int `json:"knownFailures"` // only known incompatibilities or unsupported capabilities
	Stale         int `json:"stale"`         // a known failure passed: the matrix must be updated
	Regressions   int `json:"regressions"`
}

// Read collects every cell folder (is-*_apim-*) under reportsDir.
func Read(reportsDir string) (*Matrix, error) {
	dirs, err := filepath.Glob(filepath.Join(reportsDir, "is-*_apim-*"))
	if err != nil {
		return nil, err
	}
	m := &Matrix{Generated: time.Now().UTC()}
	for _, d := range dirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			continue
		}
		c, err := ReadCell(d)
		if err != nil {
			return nil, err
		}
		m.Cells = append(m.Cells, c)
	}
	if len(m.Cells) == 0 {
		return nil, fmt.Errorf("no cell reports under %s: run 'kmconform run' or 'kmconform matrix' first", reportsDir)
	}
	m.sort()
	return m, nil
}

func (m *Matrix) sort() {
	sort.Slice(m.Cells, func(i, j int) bool {
		if m.Cells[i].IS != m.Cells[j].IS {
			return versionLess(m.Cells[i].IS, m.Cells[j].IS)
		}
		return versionLess(m.Cells[i].APIM, m.Cells[j].APIM)
	})
}

func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		var x, y int
		_, errX := fmt.Sscan(pa[i], &x)
		_, errY := fmt.Sscan(pb[i], &y)
		if errX != nil || errY != nil {
			if pa[i] != pb[i] {
				return pa[i] < pb[i]
			}
			continue
		}
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}

// Summary counts the cells by verdict.
func (m *Matrix) Summary() Summary {
	s := Summary{Cells: len(m.Cells)}
	for _, c := range m.Cells {
		switch c.Verdict() {
		case Passed:
			s.Passed++
		case NotSupported, Skipped, KnownFailure:
			s.KnownFailures++
		case Stale:
			s.Stale++
		default:
			s.Regressions++
		}
	}
	return s
}

// Failed reports whether the matrix has a regression or a stale expectation.
func (m *Matrix) Failed() bool {
	s := m.Summary()
	return s.Regressions > 0 || s.Stale > 0
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
	sort.Slice(apim, func(i, j int) bool { return versionLess(apim[i], apim[j]) })
	return is, apim
}

func (m *Matrix) cell(is, apim string) *Cell {
	for i := range m.Cells {
		if m.Cells[i].IS == is && m.Cells[i].APIM == apim {
			return &m.Cells[i]
		}
	}
	return nil
}

// Write writes matrix.md, matrix.html and matrix.json into dir and returns their paths.
func (m *Matrix) Write(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	js, err := json.MarshalIndent(struct {
		*Matrix
		Summary Summary `json:"summary"`
	}{m, m.Summary()}, "", "  ")
	if err != nil {
		return nil, err
	}
	html, err := m.HTML()
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{"matrix.md": []byte(m.Markdown()), "matrix.html": html, "matrix.json": js}
	var paths []string
	for _, name := range []string{"matrix.md", "matrix.html", "matrix.json"} {
		p := filepath.Join(dir, name)
		// Written next to the final name and renamed, so a reader never sees half a report.
		tmp := p + ".tmp"
		if err := os.WriteFile(tmp, files[name], 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
		if err := os.Rename(tmp, p); err != nil {
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// label is a cell's short verdict for the matrix table.
func label(c *Cell) string {
	if c == nil {
		return "–"
	}
	switch c.Verdict() {
	case Passed:
		return fmt.Sprintf("PASS %d/%d", c.Count(Passed), len(c.Specs))
	case Regression:
		if c.Setup == Regression {
			return "REGRESSION (setup)"
		}
		return fmt.Sprintf("REGRESSION %d", c.Count(Regression))
	case Stale:
		return fmt.Sprintf("STALE %d", c.Count(Stale))
	default:
		if c.Setup == KnownFailure {
			return "KNOWN (setup)"
		}
		return fmt.Sprintf("KNOWN %d, PASS %d", c.Count(KnownFailure)+c.Count(NotSupported), c.Count(Passed))
	}
}

// findings lists what a release engineer must read, worst first.
func (m *Matrix) findings() (regressions, stale, known []string) {
	for _, c := range m.Cells {
		if c.Setup == Regression {
			regressions = append(regressions, fmt.Sprintf("%s — setup: %s", c.Name, c.SetupMessage))
		}
		if c.Setup == KnownFailure {
			known = append(known, fmt.Sprintf("%s — setup: %s", c.Name, c.SetupMessage))
		}
		for _, s := range c.Specs {
			line := fmt.Sprintf("%s — %s: %s", c.Name, s.Name, s.Message)
			switch s.Outcome {
			case Regression:
				regressions = append(regressions, line)
			case Stale:
				stale = append(stale, line)
			case KnownFailure, NotSupported:
				known = append(known, line)
			}
		}
	}
	return regressions, stale, known
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
	sort.Strings(names)
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
