package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kmconform/kmconform/harness/cellrun"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/progress"
	"github.com/kmconform/kmconform/harness/report"
)

// matrixCommand runs several cells, up to --parallel at once, and writes the matrix report for them; with
// --emit it writes a CI workflow that runs them instead.
func matrixCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kmconform matrix", flag.ContinueOnError)
	var cf cellFlags
	cf.register(fs)
	suite := fs.String("suite", "", "conformance suite binary (default: conformance.test next to kmconform)")
	parallel := fs.Int("parallel", 0, "run up to N cells at once (default: as many as the machine's memory holds, at most one per CPU core)")
	quiet := fs.Bool("quiet", false, "print one line per finished cell and the summary (for CI logs)")
	emit := fs.String("emit", "", "instead of running, print a CI workflow that runs each cell as its own job: github-actions or gitlab")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q: every option is a flag, see 'kmconform matrix -h'", fs.Arg(0))
	}
	if cf.cfg.Target == cellrun.TargetAttach {
		return usageError("matrix runs cells kmconform starts itself: to check one running pair, use 'kmconform run --target attach'")
	}
	if *parallel < 0 {
		return usageError("--parallel %d: give a number of cells of 1 or more", *parallel)
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
	if *emit != "" && cf.cfg.Kmsim == "" {
		// The workflow's jobs build their own binaries; this machine needs none.
		cf.cfg.Kmsim = "kmsim"
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
	if *emit != "" {
		var cells []matrix.Cell
		for _, p := range plan {
			cells = append(cells, p.cell)
		}
		return emitWorkflow(*emit, fs, cells, stdout)
	}
	if err := checkReports(reportsRoot(plan[0].cf.cfg.ReportDir)); err != nil {
		return err
	}
	if *suite, err = suiteBinary(*suite); err != nil {
		return err
	}
	p, why, err := defaultParallelism(*parallel, len(plan), cf.cfg.Target)
	if err != nil {
		return err
	}
	shared := plan[0].cf.cfg
	var progressOut io.Writer = stdout
	if *quiet {
		progressOut = io.Discard
	}
	if err := preflightShared(&shared, progressOut); err != nil {
		return err
	}
	reportsDir := filepath.Dir(plan[0].cf.cfg.ReportDir)
	out := newConsole(stdout, *quiet)
	out.info("kmconform: %d cells on target %s, %d at a time (%s); each cell's suite log is %s", len(plan), cf.cfg.Target, p, why,
		filepath.Join(reportsDir, "<cell>", SuiteLog))

	group := newSuiteGroup(stderr, "every running cell")
	defer group.close()
	done := make([]*report.Cell, len(plan))
	next := make(chan int)
	var wg sync.WaitGroup
	for range p {
		wg.Go(func() {
			for i := range next {
				if interrupted.Load() {
					continue // stopped: start no further cell
				}
				cfg := plan[i].cf.cfg
				cfg.NotificationJAR = shared.NotificationJAR
				res := runMatrixCell(cellJob{cfg: cfg, cell: plan[i].cell, suite: *suite}, out, group)
				done[i] = &res
			}
		})
	}
	stop := out.heartbeat(30 * time.Second)
	for i := range plan {
		if interrupted.Load() {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	stop()

	var cells []report.Cell
	notRun := 0
	for _, c := range done {
		if c == nil {
			notRun++
			continue
		}
		cells = append(cells, *c)
	}
	if notRun > 0 {
		out.always("kmconform: interrupted; %d cells did not start and are not in the report", notRun)
	}
	if len(cells) == 0 {
		return &exitError{code: report.ExitInterrupted, err: errors.New("interrupted before any cell started; no report was written")}
	}
	return writeMatrix(report.New(cells, timeNow()), reportsDir, stdout, out.elapsed())
}

// runMatrixCell runs one cell of a matrix: its images, then its suite, with a line per phase.
func runMatrixCell(job cellJob, out *console, group *suiteGroup) report.Cell {
	name := job.cell.Name()
	t := out.start(name)
	if job.cfg.Target == cellrun.TargetOfficial {
		t.phase("pulling images")
		if err := preflightCell(&job.cfg, job.cell, io.Discard); err != nil {
			c := errorCell(job.cfg, job.cell, "preflight", err.Error())
			t.finish(c, job.cfg.ReportDir)
			return c
		}
	}
	res, _ := runCell(job, cellOutput{onEvent: t.event, group: group})
	t.finish(res, job.cfg.ReportDir)
	return res
}

// reportCommand rebuilds the matrix report from every cell folder under --reports; 'report merge' joins
// cell folders from several places (CI jobs) into one report.
func reportCommand(args []string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "merge" {
		return mergeCommand(args[1:], stdout)
	}
	fs := flag.NewFlagSet("kmconform report", flag.ContinueOnError)
	reports := fs.String("reports", "reports", "folder holding <cell>/results.json from earlier runs")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q: see 'kmconform report -h' (or 'kmconform report merge DIR…')", fs.Arg(0))
	}
	m, err := report.Read(*reports)
	if err != nil {
		return usageError("%v", err)
	}
	return writeMatrix(m, *reports, stdout, 0)
}

// mergeCommand joins the cell folders found under each DIR into one matrix report in --reports.
func mergeCommand(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("kmconform report merge", flag.ContinueOnError)
	out := fs.String("reports", "reports", "folder to write the merged report into; the cell folders are copied next to it")
	// Folders and flags in any order: report merge cells/ --reports out.
	var dirs []string
	for {
		if err := parseFlags(fs, args, stdout); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		dirs = append(dirs, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(dirs) == 0 {
		return usageError("report merge needs the folders to merge, e.g. 'kmconform report merge cells/ --reports reports'")
	}
	m, err := report.Merge(dirs, *out, timeNow())
	if err != nil {
		return usageError("%v", err)
	}
	return writeMatrix(m, *out, stdout, 0)
}

func writeMatrix(m *report.Matrix, dir string, stdout io.Writer, took time.Duration) error {
	paths, err := m.Write(dir)
	if err != nil {
		return environmentError("%v", err)
	}
	line := "kmconform: " + m.Line()
	if took > 0 {
		line += fmt.Sprintf(" (%s)", took.Round(100*time.Millisecond))
	}
	fmt.Fprintln(stdout, line)
	fmt.Fprintf(stdout, "kmconform: report: %s\n", strings.Join(paths, ", "))
	if code := m.ExitCode(); code != report.ExitOK {
		return &exitError{code: code, err: errors.New("")}
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

// console prints a matrix's progress: one line per cell and phase with the time since the cell started,
// or with --quiet one line per finished cell.
type console struct {
	w     io.Writer
	quiet bool
	began time.Time

	mu    sync.Mutex
	cells map[string]*cellTracker
}

func newConsole(w io.Writer, quiet bool) *console {
	return &console{w: w, quiet: quiet, began: time.Now(), cells: map[string]*cellTracker{}}
}

func (c *console) elapsed() time.Duration { return time.Since(c.began) }

// info prints a line unless quiet.
func (c *console) info(format string, args ...any) {
	if c.quiet {
		return
	}
	c.always(format, args...)
}

func (c *console) always(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.w, format+"\n", args...)
}

func (c *console) start(cell string) *cellTracker {
	t := &cellTracker{c: c, cell: cell, began: time.Now()}
	c.mu.Lock()
	c.cells[cell] = t
	c.mu.Unlock()
	t.phase("creating")
	return t
}

// heartbeat prints "still <phase>" for a cell that printed nothing for every, so that a product's slow
// start does not look like a hang. It returns the function that stops it.
func (c *console) heartbeat(every time.Duration) func() {
	if c.quiet {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(every / 6)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				c.mu.Lock()
				var quiet []*cellTracker
				for _, t := range c.cells {
					if !t.finished && time.Since(t.printed) >= every {
						quiet = append(quiet, t)
					}
				}
				c.mu.Unlock()
				for _, t := range quiet {
					t.line("still " + t.current)
				}
			}
		}
	}()
	return func() { close(done) }
}

// cellTracker follows one cell.
type cellTracker struct {
	c     *console
	cell  string
	began time.Time

	// guarded by c.mu
	current  string
	printed  time.Time
	finished bool
}

func (t *cellTracker) phase(text string) {
	t.c.mu.Lock()
	t.current = text
	t.c.mu.Unlock()
	t.line(text)
}

func (t *cellTracker) line(text string) {
	if t.c.quiet {
		return
	}
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	t.printed = time.Now()
	fmt.Fprintf(t.c.w, "%s  %-22s %s\n", clock(time.Since(t.began)), t.cell, text)
}

// event turns a suite progress event into a phase line. Check lines are throttled to one every few
// seconds (and the last one), so that a cell with many checks stays readable.
func (t *cellTracker) event(ev progress.Event) {
	switch ev.Phase {
	case progress.Setup:
		// The steps that take time get a line; the quick file steps in between only update the phase that
		// a "still …" line would name.
		milestone := map[string]string{
			"mint-trust":           "configuring IS and API-M (TLS material, deployment.toml, stores, JAR)",
			"start":                "starting",
			"wait-ready":           "starting: waiting until IS and API-M are ready",
			"register-key-manager": "registering IS as Key Manager in API-M",
			"publish-api":          "publishing the API restricted to the IS Key Manager",
		}[ev.ID]
		text := fmt.Sprintf("setup %d/%d: %s", ev.Step, ev.Of, ev.Name)
		if milestone == "" {
			t.c.mu.Lock()
			t.current = text
			t.c.mu.Unlock()
			return
		}
		t.phase(milestone)
	case progress.Checks:
		text := fmt.Sprintf("checks %d/%d", ev.Done, ev.Total)
		if ev.Failed > 0 {
			text += fmt.Sprintf(", %d failed", ev.Failed)
		}
		t.c.mu.Lock()
		t.current = text
		recent := time.Since(t.printed) < 3*time.Second
		t.c.mu.Unlock()
		if ev.Done == 1 || ev.Done >= ev.Total || !recent {
			t.line(text)
		}
	case progress.Teardown:
		t.phase("tearing down")
	}
}

// finish prints the verdict line (also with --quiet).
func (t *cellTracker) finish(c report.Cell, dir string) {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	t.finished = true
	line := fmt.Sprintf("%s  %-22s %s  (%s)", clock(time.Since(t.began)), t.cell, c.Label, dir)
	for _, f := range cellFindings(c) {
		line += "\n        " + f
	}
	fmt.Fprintln(t.c.w, line)
}

// cellFindings are the lines under a cell's verdict: what failed, went stale or broke.
func cellFindings(c report.Cell) []string {
	m := report.New([]report.Cell{c}, time.Time{})
	regressions, stale, errs, _ := m.Findings()
	var out []string
	for _, group := range []struct {
		tag string
		fs  []report.Finding
	}{{"FAILED", regressions}, {"STALE", stale}, {"ERROR", errs}} {
		for _, f := range group.fs {
			what := f.Check
			if what == "" {
				what = "setup"
			}
			out = append(out, group.tag+" "+what+": "+f.Text)
		}
	}
	return out
}

func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%2d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}
