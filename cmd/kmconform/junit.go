package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"
)

type junitSuites struct {
	Suites []struct {
		Cases []struct {
			Name    string `xml:"name,attr"`
			Status  string `xml:"status,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// summary counts one cell's specs by outcome; a failed setup or cleanup node counts as a failure too.
type summary struct {
	Passed, Failed, Skipped int
	Failures                []string
	// SetupSkipped is the reason a setup node skipped the whole cell (a known incompatibility).
	SetupSkipped string
}

func summarize(path string) (*summary, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read JUnit: %w", err)
	}
	var js junitSuites
	if err := xml.Unmarshal(raw, &js); err != nil {
		return nil, fmt.Errorf("JUnit %s is not valid XML: %w", path, err)
	}
	s := &summary{}
	for _, suite := range js.Suites {
		for _, c := range suite.Cases {
			spec := strings.HasPrefix(c.Name, "[It]")
			switch {
			case c.Status == "passed" && spec:
				s.Passed++
			case (c.Status == "skipped" || c.Status == "pending") && spec:
				s.Skipped++
			case c.Status == "skipped" && strings.HasPrefix(c.Name, "[BeforeSuite]"):
				if c.Skipped != nil {
					s.SetupSkipped = strings.TrimPrefix(c.Skipped.Message, "skipped - ")
				}
			case c.Status == "passed" || c.Status == "skipped" || c.Status == "pending":
				// setup and cleanup nodes that went well are not specs
			default:
				s.Failed++
				msg := ""
				if c.Failure != nil {
					msg = firstLine(c.Failure.Message)
				}
				s.Failures = append(s.Failures, fmt.Sprintf("%s: %s", c.Name, msg))
			}
		}
	}
	return s, nil
}

func (s *summary) String(cell, junit string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kmconform: %s: %d passed, %d failed, %d skipped (JUnit: %s)", cell, s.Passed, s.Failed, s.Skipped, junit)
	if s.SetupSkipped != "" {
		fmt.Fprintf(&b, "\n  SETUP SKIPPED, no spec ran: %s", firstLine(s.SetupSkipped))
	}
	for _, f := range s.Failures {
		fmt.Fprintf(&b, "\n  FAILED %s", f)
	}
	return b.String()
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
