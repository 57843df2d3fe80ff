package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/report"
)

// matrixCommand runs several cells one after the other and writes the matrix report for them.
func matrixCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kmconform matrix", flag.ContinueOnError)
	var cf cellFlags
	cf.register(fs)
	suite := fs.String("suite", "", "conformance suite binary (default: conformance.test next to kmconform)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q: every option is a flag, see 'kmconform matrix -h'", fs.Arg(0))
	}
	m, err := cf.cfg.LoadMatrix()
	if err != nil {
		return usageError("%v", err)
	}
	isVersions, err := versionList(cf.cfg.IS, m.ISVersions(), "--is")
	if err != nil {
		return err
	}
	apimVersions, err := versionList(cf.cfg.APIM, m.APIMVersions(), "--apim")
	if err != nil {
		return err
	}
	if *suite, err = suiteBinary(*suite); err != nil {
		return err
	}
	// Resolve every cell before running any, so that a typo fails at once.
	type planned struct {
		cf   cellFlags
		cell matrix.Cell
	}
	var plan []planned
	for _, is := range isVersions {
		for _, am := range apimVersions {
			c := cf
			c.cfg.IS, c.cfg.APIM = is, am
			cell, err := c.resolve(fs)
			if err != nil {
				return err
			}
			plan = append(plan, planned{c, cell})
		}
	}
	if err := checkReports(reportsRoot(plan[0].cf.cfg.ReportDir)); err != nil {
		return err
	}
	if err := checkEngine(cf.cfg); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "kmconform: %d cells on target %s\n", len(plan), cf.cfg.Target)
	result := &report.Matrix{}
	for i, p := range plan {
		fmt.Fprintf(stdout, "kmconform: [%d/%d] %s\n", i+1, len(plan), p.cell.Name())
		cfg := p.cf.cfg
		// A cell that cannot run (an image that cannot be pulled, a suite that crashed) is a regression of
		// that cell; the others still run and the report covers them all.
		res, err := func() (report.Cell, error) {
			if err := preflight(&cfg, p.cell, stdout); err != nil {
				return report.Cell{}, err
			}
			return runCell(cfg, p.cell, *suite, stdout, stderr)
		}()
		if err != nil {
			fmt.Fprintln(stderr, "kmconform:", err)
			res = report.Cell{Name: p.cell.Name(), IS: p.cell.IS.Version, APIM: p.cell.APIM.Version, Target: cfg.Target,
				Setup: report.Regression, SetupMessage: evidence.Redact(err.Error())}
		}
		result.Cells = append(result.Cells, res)
		if interrupted.Load() {
			fmt.Fprintln(stdout, "kmconform: interrupted; the report covers the cells that ran")
			break
		}
	}
	reportsDir := filepath.Dir(plan[0].cf.cfg.ReportDir)
	return writeMatrix(result, reportsDir, stdout)
}

// reportCommand rebuilds the matrix report from every cell folder under --reports.
func reportCommand(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("kmconform report", flag.ContinueOnError)
	reports := fs.String("reports", "reports", "folder holding <cell>/results.json from earlier runs")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q: see 'kmconform report -h'", fs.Arg(0))
	}
	m, err := report.Read(*reports)
	if err != nil {
		return usageError("%v", err)
	}
	return writeMatrix(m, *reports, stdout)
}

func writeMatrix(m *report.Matrix, dir string, stdout io.Writer) error {
	if m.Generated.IsZero() {
		m.Generated = timeNow()
	}
	paths, err := m.Write(dir)
	if err != nil {
		return err
	}
	s := m.Summary()
	fmt.Fprintf(stdout, "kmconform: matrix of %d cells: %d passed, %d known incompatibilities only, %d stale expectations, %d with regressions\n",
		s.Cells, s.Passed, s.KnownFailures, s.Stale, s.Regressions)
	fmt.Fprintf(stdout, "kmconform: report: %s\n", strings.Join(paths, ", "))
	if m.Failed() {
		return &exitError{code: 1, err: errors.New("")}
	}
	return nil
}

// versionList reads "7.0.0,7.1.0" or "all".
func versionList(flagValue string, known []string, flagName string) ([]string, error) {
	switch strings.TrimSpace(flagValue) {
	case "":
		return nil, usageError("matrix needs %s: a comma-separated list of versions, or all", flagName)
	case "all":
		return known, nil
	}
	var out []string
	for _, v := range strings.Split(flagValue, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, usageError("%s %q names no version: give a comma-separated list of versions, or all", flagName, flagValue)
	}
	return out, nil
}
