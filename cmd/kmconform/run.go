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
	"syscall"
)

func runCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kmconform run", flag.ContinueOnError)
	var cf cellFlags
	cf.register(fs)
	suite := fs.String("suite", "", "conformance suite binary (default: conformance.test next to kmconform)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	cell, err := cf.resolve(fs)
	if err != nil {
		return err
	}
	cfg := cf.cfg
	if *suite == "" {
		*suite = findBinary("conformance.test")
	}
	if *suite == "" {
		return usageError("the conformance suite binary (conformance.test) was not found next to kmconform: build it with 'make build' or pass --suite")
	}
	if err := preflight(&cfg, cell, stdout); err != nil {
		return err
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
