package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kmconform/kmconform/harness/report"
	"github.com/kmconform/kmconform/harness/results"
)

// cellSummary is the closing lines of one cell's run.
func cellSummary(c report.Cell, dir string) string {
	var b strings.Builder
	failed := c.Count(results.Failed) + c.Count(results.XPass)
	ran := c.Count(results.Passed) + failed + c.Count(results.XFail)
	fmt.Fprintf(&b, "kmconform: %s: %s — %d passed, %d failed, %d not run (results: %s)", c.Name, c.Label, c.Count(results.Passed), failed,
		len(c.Specs)-ran, filepath.Join(dir, results.FileName))
	switch c.Setup.Outcome {
	case results.XFail:
		fmt.Fprintf(&b, "\n  SETUP SKIPPED, no check ran: %s", c.Setup.Message)
	case results.Failed:
		fmt.Fprintf(&b, "\n  FAILED setup: %s", c.Setup.Message)
	case results.Error:
		fmt.Fprintf(&b, "\n  ERROR (environment or harness, nothing was proven): %s", c.Setup.Message)
	}
	for _, s := range c.Setup.Stale {
		fmt.Fprintf(&b, "\n  STALE matrix expectation: %s", s)
	}
	for _, s := range c.Specs {
		switch s.Outcome {
		case results.Failed:
			fmt.Fprintf(&b, "\n  FAILED %s: %s", s.ID, s.Message)
		case results.XPass:
			fmt.Fprintf(&b, "\n  STALE %s: %s", s.ID, s.Message)
		case results.Error:
			fmt.Fprintf(&b, "\n  ERROR %s: %s", s.ID, s.Message)
		case results.XFail:
			fmt.Fprintf(&b, "\n  known failure %s: %s", s.ID, s.Message)
		}
	}
	return b.String()
}
