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
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kmconform/kmconform/harness/cellrun"
	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/progress"
	"github.com/kmconform/kmconform/harness/report"
	"github.com/kmconform/kmconform/harness/results"
)

func runCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kmconform run", flag.ContinueOnError)
	var cf cellFlags
	cf.register(fs)
	var af attachFlags
	af.register(fs)
	suite := fs.String("suite", "", "conformance suite binary (default: conformance.test next to kmconform)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := af.apply(&cf.cfg); err != nil {
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
	if err := checkAttached(cfg, cell); err != nil {
		return err
	}
	if err := preflight(&cfg, cell, stdout); err != nil {
		var ee *exitError
		if errors.As(err, &ee) && ee.code == report.ExitEnvironment {
			// The cell could not even start: say so in its results too, for a report merged from CI jobs.
			writeErrorCell(cfg, cell, "preflight", err.Error())
		}
		return err
	}
	group := newSuiteGroup(stderr, "the cell")
	defer group.close()
	res, err := runCell(cellJob{cfg: cfg, cell: cell, suite: *suite}, cellOutput{console: stdout, color: isTerminal(stdout), group: group})
	fmt.Fprintln(stdout, cellSummary(res, cfg.ReportDir))
	var typed *results.Cell
	if err != nil {
		fmt.Fprintln(stderr, "kmconform:", err)
	} else if typed, err = results.Read(cfg.ReportDir); err == nil {
		if msg := environmentFailure(typed); msg != "" {
			// Neither a pass nor a regression: the run proves nothing either way.
			fmt.Fprintf(stderr, "kmconform: %s: the environment failed, not the products: %s (evidence in %s)\n", cell.Name(), msg, cfg.ReportDir)
		}
	}
	m := report.New([]report.Cell{res}, timeNow())
	if code := m.ExitCode(); code != report.ExitOK {
		return &exitError{code: code, err: errors.New("")}
	}
	if typed != nil && typed.Setup.Outcome == results.Passed && typed.Executed() == 0 {
		return &exitError{code: 1, err: fmt.Errorf("no check ran in %s: every selected check was not supported, not applicable or skipped (see %s)",
			cell.Name(), filepath.Join(cfg.ReportDir, results.FileName))}
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

// cellJob is one cell to run.
type cellJob struct {
	cfg   cellrun.Config
	cell  matrix.Cell
	suite string
}

// cellOutput says where a cell's output goes. The suite's Ginkgo stream always goes to the cell's
// suite.log.
type cellOutput struct {
	// console also receives the Ginkgo stream (kmconform run); nil keeps it in suite.log alone (matrix).
	console io.Writer
	color   bool
	// onEvent receives the suite's progress events (setup steps, checks done, teardown).
	onEvent func(progress.Event)
	group   *suiteGroup
}

// SuiteLog is the file in a cell's folder that holds the suite's verbose Ginkgo stream.
const SuiteLog = "suite.log"

// runCell runs the suite against one cell in its own process and reads back what it reported. When the
// suite wrote no results (it could not start, it crashed), the cell is an error — the harness failed —
// and results.json says so; the error returned explains it.
func runCell(job cellJob, out cellOutput) (report.Cell, error) {
	cfg := job.cfg
	// A fresh folder per run: stale JUnit or evidence from an earlier run must not be mistaken for this one.
	if err := os.RemoveAll(cfg.ReportDir); err != nil {
		return errorCell(cfg, job.cell, "report-folder", fmt.Sprintf("clear %s: %v", cfg.ReportDir, err)), err
	}
	configFile := filepath.Join(cfg.ReportDir, "run-config.json")
	if err := cfg.Save(configFile); err != nil {
		return errorCell(cfg, job.cell, "report-folder", err.Error()), err
	}
	logFile, err := os.Create(filepath.Join(cfg.ReportDir, SuiteLog))
	if err != nil {
		return errorCell(cfg, job.cell, "report-folder", err.Error()), err
	}
	defer logFile.Close()
	var console io.Writer = logFile
	if out.console != nil {
		console = io.MultiWriter(out.console, logFile)
		fmt.Fprintf(out.console, "kmconform: cell %s, target %s, reports in %s (check order: --seed %d)\n", job.cell.Name(), cfg.Target, cfg.ReportDir, cfg.Seed)
	}
	args := []string{
		"-kmconform.config=" + configFile,
		"-ginkgo.v",
		"-ginkgo.no-color=" + fmt.Sprint(!out.color),
		// Every wait has its own named interval; this only stops a cell that hangs beyond all of them.
		"-ginkgo.timeout=" + suiteTimeout.String(),
		// Random order, so that no check comes to depend on another's leftovers; the seed repeats an order.
		"-ginkgo.randomize-all", fmt.Sprintf("-ginkgo.seed=%d", cfg.Seed),
	}
	if cfg.LabelFilter != "" {
		args = append(args, "-ginkgo.label-filter="+cfg.LabelFilter)
	}
	runErr := runSuite(job.suite, args, console, out)

	typed, err := results.Read(cfg.ReportDir)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, results.ErrMissing) {
			msg = fmt.Sprintf("the conformance suite did not complete (%v) and wrote no results: see %s", runErr, filepath.Join(cfg.ReportDir, SuiteLog))
		}
		return errorCell(cfg, job.cell, "suite", msg), errors.New(evidence.Redact(msg))
	}
	return report.FromResults(typed), nil
}

// errorCell records a cell the harness or the environment could not run: results.json with the setup as
// an error, so that a report built later (or merged from CI jobs) shows the cell rather than losing it.
func errorCell(cfg cellrun.Config, cell matrix.Cell, step, message string) report.Cell {
	typed := writeErrorCell(cfg, cell, step, message)
	return report.FromResults(typed)
}

func writeErrorCell(cfg cellrun.Config, cell matrix.Cell, step, message string) *results.Cell {
	typed := &results.Cell{Cell: cell.Name(), IS: cell.IS.Version, APIM: cell.APIM.Version, Target: cfg.Target,
		LabelFilter: cfg.LabelFilter, Seed: cfg.Seed, Started: time.Now().UTC(),
		Setup: results.Setup{Outcome: results.Error, Step: step, Message: evidence.Redact(message)}}
	if err := os.MkdirAll(cfg.ReportDir, 0o755); err == nil {
		_ = results.Write(cfg.ReportDir, typed)
	}
	return typed
}

// interrupted is set once the user asked to stop (Ctrl-C, SIGTERM): a matrix starts no further cell.
var interrupted atomic.Bool

// suiteTimeout bounds one cell's suite process (Ginkgo's default of 1 h could cut a slow but healthy
// official-image cell whose intervals were stretched).
const suiteTimeout = 6 * time.Hour

// timeNow is the clock of reports.
var timeNow = func() time.Time { return time.Now().UTC() }

// runSuite runs the suite binary in its own process (one per cell, so RunSpecs runs once) with a pipe for
// its progress events.
func runSuite(bin string, args []string, console io.Writer, out cellOutput) error {
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = console, console
	cmd.SysProcAttr = suiteProcAttr()
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("create the progress pipe: %w", err)
	}
	defer pr.Close()
	cmd.ExtraFiles = []*os.File{pw} // fd 3 in the suite
	cmd.Env = append(os.Environ(), progress.EnvFD+"=3")
	events := make(chan struct{})
	go func() {
		defer close(events)
		onEvent := out.onEvent
		if onEvent == nil {
			onEvent = func(progress.Event) {}
		}
		progress.Read(pr, onEvent)
	}()
	err = out.group.run(cmd, func() { _ = pw.Close() })
	_ = pw.Close()
	// The suite is gone; let its last events arrive, then stop reading (a product it started and that
	// outlived it must not keep this waiting).
	select {
	case <-events:
	case <-time.After(2 * time.Second):
		_ = pr.Close()
		<-events
	}
	return err
}

// suiteGroup runs the suite processes of one kmconform command and relays Ctrl-C to them. Each suite runs
// in its own process group, so a Ctrl-C in the terminal reaches kmconform only, which forwards it once to
// every running suite: Ginkgo treats a second interrupt as "skip the cleanup", which would leave products
// running. A second Ctrl-C only warns; a third is forwarded and abandons the cleanup.
type suiteGroup struct {
	stderr io.Writer
	what   string // "the cell", "3 running cells"

	mu       sync.Mutex
	running  map[*exec.Cmd]bool
	received int
	last     os.Signal
	sigs     chan os.Signal
	done     chan struct{}
}

func newSuiteGroup(stderr io.Writer, what string) *suiteGroup {
	g := &suiteGroup{stderr: stderr, what: what, running: map[*exec.Cmd]bool{}, sigs: make(chan os.Signal, 3), done: make(chan struct{})}
	signal.Notify(g.sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for {
			select {
			case s := <-g.sigs:
				g.signal(s)
			case <-g.done:
				return
			}
		}
	}()
	return g
}

func (g *suiteGroup) close() {
	signal.Stop(g.sigs)
	close(g.done)
}

func (g *suiteGroup) signal(s os.Signal) {
	interrupted.Store(true)
	g.mu.Lock()
	g.received++
	g.last = s
	n := g.received
	var cmds []*exec.Cmd
	for c := range g.running {
		cmds = append(cmds, c)
	}
	g.mu.Unlock()
	switch n {
	case 1:
		fmt.Fprintf(g.stderr, "kmconform: interrupted; saving evidence and tearing down %s (Ctrl-C twice more to abandon the cleanup)\n", g.what)
	case 2:
		fmt.Fprintf(g.stderr, "kmconform: still tearing down %s; one more Ctrl-C abandons the cleanup (then run 'kmconform clean')\n", g.what)
		return
	}
	for _, c := range cmds {
		_ = c.Process.Signal(s)
	}
}

// run starts cmd, calls started, and waits for it. A suite started after an interrupt gets the interrupt
// at once, so it tears down what it began.
func (g *suiteGroup) run(cmd *exec.Cmd, started func()) error {
	g.mu.Lock()
	if err := cmd.Start(); err != nil {
		g.mu.Unlock()
		started()
		return fmt.Errorf("start the conformance suite %s: %w", cmd.Path, err)
	}
	g.running[cmd] = true
	n, last := g.received, g.last
	g.mu.Unlock()
	started()
	if n == 1 || n >= 3 {
		_ = cmd.Process.Signal(last)
	}
	err := cmd.Wait()
	g.mu.Lock()
	delete(g.running, cmd)
	g.mu.Unlock()
	return err
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
