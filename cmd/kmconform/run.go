package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/kmconform/kmconform/harness/cellrun"
	"github.com/kmconform/kmconform/harness/topology"
)

func runCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kmconform run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := cellrun.Config{}
	fs.StringVar(&cfg.IS, "is", "", "IS version, e.g. 7.1.0 (required)")
	fs.StringVar(&cfg.APIM, "apim", "", "API-M version, e.g. 4.5.0 (required)")
	fs.StringVar(&cfg.Target, "target", cellrun.TargetOfficial, "what to run against: official (WSO2's images) or sim (the kmsim simulator)")
	reports := fs.String("reports", "reports", "folder for reports; the cell's go to <reports>/<cell>/")
	fs.StringVar(&cfg.Kmsim, "kmsim", "", "kmsim binary for --target sim (default: next to kmconform, then PATH)")
	suite := fs.String("suite", "", "conformance suite binary (default: conformance.test next to kmconform)")
	fs.StringVar(&cfg.Matrix, "matrix", "", "matrix file to use instead of the built-in one")
	fs.StringVar(&cfg.Intervals, "interval", os.Getenv("KMCONFORM_INTERVALS"), "override named timeouts, e.g. revocation=60s/250ms,apim-ready=15m (env KMCONFORM_INTERVALS)")
	fs.BoolVar(&cfg.KeepWorkDir, "keep-work-dir", false, "keep the simulator's product homes after the run")
	fs.StringVar(&cfg.Faults, "inject-fault", "", "break the documented setup on purpose (kmconform's self-test): "+faultNames())
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: errors.New("")}
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q: every option of run is a flag, see 'kmconform run -h'", fs.Arg(0))
	}
	if cfg.IS == "" || cfg.APIM == "" {
		return usageError("run needs both --is and --apim, e.g. kmconform run --is 7.1.0 --apim 4.5.0 --target sim")
	}
	if cfg.Target == cellrun.TargetOfficial {
		return usageError("the official-image target is not built yet; run against the simulator with --target sim (make conformance TARGET=sim)")
	}
	if cfg.Target == cellrun.TargetSim && cfg.Kmsim == "" {
		cfg.Kmsim = findBinary("kmsim")
	}
	cfg.ReportDir = "placeholder" // replaced below once the cell name is known
	cell, _, err := cfg.Validate()
	if err != nil {
		return usageError("%v", err)
	}
	if cfg.Target == cellrun.TargetSim && cfg.Kmsim == "" {
		return usageError("kmsim was not found next to kmconform or on PATH: build it with 'make build' or pass --kmsim")
	}
	if *suite == "" {
		*suite = findBinary("conformance.test")
	}
	if *suite == "" {
		return usageError("the conformance suite binary (conformance.test) was not found next to kmconform: build it with 'make build' or pass --suite")
	}

	absReports, err := filepath.Abs(*reports)
	if err != nil {
		return err
	}
	cfg.ReportDir = filepath.Join(absReports, cell.Name())
	if cfg.Kmsim != "" {
		if cfg.Kmsim, err = filepath.Abs(cfg.Kmsim); err != nil {
			return err
		}
	}
	// A fresh folder per run: stale JUnit or evidence from an earlier run must not be mistaken for this one.
	if err := os.RemoveAll(cfg.ReportDir); err != nil {
		return fmt.Errorf("clear %s: %w", cfg.ReportDir, err)
	}
	configFile := filepath.Join(cfg.ReportDir, "run-config.json")
	if err := cfg.Save(configFile); err != nil {
		return err
	}
	junit := filepath.Join(cfg.ReportDir, "junit.xml")
	fmt.Fprintf(stdout, "kmconform: cell %s, target %s, reports in %s\n", cell.Name(), cfg.Target, cfg.ReportDir)

	runErr := runSuite(*suite, []string{
		"-kmconform.config=" + configFile,
		"-ginkgo.junit-report=" + junit,
		"-ginkgo.v",
		"-ginkgo.no-color=" + fmt.Sprint(!isTerminal(stdout)),
	}, stdout, stderr)

	sum, err := summarize(junit)
	if err != nil {
		if runErr != nil {
			return fmt.Errorf("the conformance suite did not complete (%v) and wrote no readable JUnit: %w", runErr, err)
		}
		return err
	}
	fmt.Fprintln(stdout, sum.String(cell.Name(), junit))
	if sum.Failed > 0 || runErr != nil {
		return &exitError{code: 1, err: errors.New("")}
	}
	return nil
}

// runSuite runs the suite binary in its own process (one per cell, so RunSpecs runs once) and forwards
// SIGINT/SIGTERM so that it tears the cell down before it exits.
func runSuite(bin string, args []string, stdout, stderr io.Writer) error {
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the conformance suite %s: %w", bin, err)
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case err := <-done:
			return err
		case s := <-sigs:
			_ = cmd.Process.Signal(s)
		}
	}
}

// findBinary looks next to the running executable, then on PATH.
func findBinary(name string) string {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return ""
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func faultNames() string {
	var names []string
	for _, f := range topology.AllFaults {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}
