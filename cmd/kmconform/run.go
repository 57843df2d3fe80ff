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
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kmconform/kmconform/harness/cellrun"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/report"
	"github.com/kmconform/kmconform/harness/results"
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
	if *suite, err = suiteBinary(*suite); err != nil {
		return err
	}
	cfg := cf.cfg
	if err := checkReports(reportsRoot(cfg.ReportDir)); err != nil {
		return err
	}
	if err := preflight(&cfg, cell, stdout); err != nil {
		return err
	}
	res, err := runCell(cfg, cell, *suite, stdout, stderr)
	if err != nil {
		return err
	}
	if res.Verdict() == report.Regression || res.Verdict() == report.Stale {
		return &exitError{code: 1, err: errors.New("")}
	}
	return nil
}

func suiteBinary(flagValue string) (string, error) {
	if flagValue == "" {
		flagValue = findBinary("conformance.test")
	}
	if flagValue == "" {
		return "", usageError("the conformance suite binary (conformance.test) was not found next to kmconform: build it with 'make build' or pass --suite")
	}
	return flagValue, nil
}

// runCell runs the suite against one cell in its own process and reads back what it reported. An error
// means the run could not be judged at all.
func runCell(cfg cellrun.Config, cell matrix.Cell, suite string, stdout, stderr io.Writer) (report.Cell, error) {
	// A fresh folder per run: stale JUnit or evidence from an earlier run must not be mistaken for this one.
	if err := os.RemoveAll(cfg.ReportDir); err != nil {
		return report.Cell{}, fmt.Errorf("clear %s: %w", cfg.ReportDir, err)
	}
	configFile := filepath.Join(cfg.ReportDir, "run-config.json")
	if err := cfg.Save(configFile); err != nil {
		return report.Cell{}, err
	}
	fmt.Fprintf(stdout, "kmconform: cell %s, target %s, reports in %s (check order: --seed %d)\n", cell.Name(), cfg.Target, cfg.ReportDir, cfg.Seed)

	args := []string{
		"-kmconform.config=" + configFile,
		"-ginkgo.v",
		"-ginkgo.no-color=" + fmt.Sprint(!isTerminal(stdout)),
		// Every wait has its own named interval; this only stops a cell that hangs beyond all of them.
		"-ginkgo.timeout=" + suiteTimeout.String(),
		// Random order, so that no check comes to depend on another's leftovers; the seed repeats an order.
		"-ginkgo.randomize-all", fmt.Sprintf("-ginkgo.seed=%d", cfg.Seed),
	}
	if cfg.LabelFilter != "" {
		args = append(args, "-ginkgo.label-filter="+cfg.LabelFilter)
	}
	runErr := runSuite(suite, args, stdout, stderr)

	typed, err := results.Read(cfg.ReportDir)
	if err != nil {
		if errors.Is(err, results.ErrMissing) && runErr != nil {
			return report.Cell{}, fmt.Errorf("the conformance suite did not complete (%v) and wrote no results", runErr)
		}
		return report.Cell{}, err
	}
	res := report.FromResults(typed, filepath.Join(cfg.ReportDir, "junit.xml"))
	fmt.Fprintln(stdout, cellSummary(res))
	if msg := environmentFailure(typed); msg != "" {
		// Neither a pass nor a regression: the run proves nothing either way (issue 10: exit 3).
		return res, &exitError{code: 3, err: fmt.Errorf("%s: the environment failed, not the products: %s (evidence in %s)", cell.Name(), msg, cfg.ReportDir)}
	}
	if typed.Setup.Outcome == results.Passed && typed.Executed() == 0 && !typed.Interrupted {
		return res, &exitError{code: 1, err: fmt.Errorf("no check ran in %s: every selected check was not supported or skipped (see %s)",
			cell.Name(), filepath.Join(cfg.ReportDir, results.FileName))}
	}
	return res, nil
}

// interrupted is set once the user asked to stop (Ctrl-C, SIGTERM): a matrix stops after the current cell.
var interrupted atomic.Bool

// suiteTimeout bounds one cell's suite process (Ginkgo's default of 1 h could cut a slow but healthy
// official-image cell whose intervals were stretched).
const suiteTimeout = 6 * time.Hour

// timeNow is the clock of reports.
var timeNow = func() time.Time { return time.Now().UTC() }

// runSuite runs the suite binary in its own process (one per cell, so RunSpecs runs once). The suite runs
// in its own process group, so a Ctrl-C in the terminal reaches kmconform only, which forwards it once:
// Ginkgo treats a second interrupt as "skip the cleanup", which would leave the cell's products running.
// A second Ctrl-C only warns; a third is forwarded and abandons the cleanup.
func runSuite(bin string, args []string, stdout, stderr io.Writer) error {
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = suiteProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the conformance suite %s: %w", bin, err)
	}
	sigs := make(chan os.Signal, 3)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	received := 0
	for {
		select {
		case err := <-done:
			return err
		case s := <-sigs:
			interrupted.Store(true)
			received++
			switch received {
			case 1:
				fmt.Fprintln(stderr, "kmconform: interrupted; saving evidence and tearing the cell down (Ctrl-C twice more to abandon the cleanup)")
				_ = cmd.Process.Signal(s)
			case 2:
				fmt.Fprintln(stderr, "kmconform: still tearing the cell down; one more Ctrl-C abandons the cleanup (then run 'kmconform clean')")
			default:
				_ = cmd.Process.Signal(s)
			}
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

// environmentFailure is the message of the setup or the first check whose outcome is an environment or
// harness failure (results.Error), or "".
func environmentFailure(c *results.Cell) string {
	var parts []string
	if c.Setup.Outcome == results.Error {
		parts = append(parts, c.Setup.Message)
	}
	for _, s := range c.Specs {
		if s.Outcome == results.Error {
			parts = append(parts, s.Message)
			break
		}
	}
	// What the teardown could not remove, with the command that removes it.
	if c.Teardown != "" {
		parts = append(parts, c.Teardown)
	}
	return strings.Join(parts, "; ")
}
