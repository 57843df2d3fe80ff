package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kmconform/kmconform/harness/report"
)

// cellSummary is the closing lines of one cell's run.
func cellSummary(c report.Cell) string {
	var b strings.Builder
	failed := c.Count(report.Regression) + c.Count(report.Stale)
	if c.Setup == report.Regression || c.Setup == report.Stale {
		failed++
	}
	skipped := len(c.Specs) - c.Count(report.Passed) - c.Count(report.Regression) - c.Count(report.Stale)
	fmt.Fprintf(&b, "kmconform: %s: %d passed, %d failed, %d skipped (results: %s)", c.Name, c.Count(report.Passed), failed, skipped,
		filepath.Join(filepath.Dir(c.JUnit), "results.json"))
	switch c.Setup {
	case report.KnownFailure:
		fmt.Fprintf(&b, "\n  SETUP SKIPPED, no spec ran: %s", c.SetupMessage)
	case report.Regression:
		fmt.Fprintf(&b, "\n  FAILED setup: %s", c.SetupMessage)
	case report.Stale:
		fmt.Fprintf(&b, "\n  STALE matrix expectation: %s", c.SetupMessage)
	}
	for _, s := range c.Specs {
		switch s.Outcome {
		case report.Regression:
			fmt.Fprintf(&b, "\n  FAILED %s: %s", s.Name, s.Message)
		case report.Stale:
			fmt.Fprintf(&b, "\n  STALE %s: %s", s.Name, s.Message)
		case report.KnownFailure:
			fmt.Fprintf(&b, "\n  known failure %s: %s", s.Name, s.Message)
		}
	}
	return b.String()
}
