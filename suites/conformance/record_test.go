package conformance

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/kmconform/kmconform/harness/cellrun"
	"github.com/kmconform/kmconform/harness/checks"
	"github.com/kmconform/kmconform/harness/results"
	"github.com/kmconform/kmconform/harness/setup"
)

// recorder keeps what results.json reports: the setup's outcome and each check's verdict.
type recorder struct {
	mu      sync.Mutex
	started time.Time
	setup   results.Setup
	specs   map[string]results.Spec
	// aborted says why the checks stopped early (a product stopped answering); "" otherwise.
	aborted string
	// teardown is what could not be removed after the run.
	teardown string
}

// teardownFailed records what the teardown could not remove.
func (r *recorder) teardownFailed(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.teardown = msg
}

// abort records why no further check runs.
func (r *recorder) abort(why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.aborted = why
}

func newRecorder() *recorder {
	return &recorder{started: time.Now(), setup: results.Setup{Outcome: results.Skipped}, specs: map[string]results.Spec{}}
}

func (r *recorder) start() { r.started = time.Now() }

// setupDone records the base setup: passed, failed at a step, a known failure of the cell, or stale
// expectations (a step the matrix lists as a known failure that succeeded).
func (r *recorder) setupDone(s *cellrun.Session, err error, interrupted bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s.Env != nil {
		for _, st := range s.Env.Steps {
			r.setup.Steps = append(r.setup.Steps, results.Step{ID: st.ID, Name: st.Name, Kind: "setup",
				Outcome: results.Passed, DurationMs: st.Duration.Milliseconds()})
		}
	}
	if err == nil {
		r.setup.Outcome = results.Passed
		for _, e := range s.Cell.SetupExpectations() {
			if isBaseStep(e.Setup) {
				r.setup.Stale = append(r.setup.Stale, fmt.Sprintf("XPASS: setup step %s succeeded in %s although the matrix lists it as a known failure (%s): remove the expectation",
					e.Setup, s.Cell.Name(), e.Reason))
			}
		}
		return
	}
	msg := s.Redact(err.Error())
	r.setup.Outcome, r.setup.Message = results.Failed, msg
	var envErr *cellrun.EnvError
	if interrupted {
		// Ctrl-C or SIGTERM cut the setup short: nothing failed.
		r.setup.Outcome, r.setup.Message = results.Skipped, "interrupted during the setup: "+msg
	} else if errors.As(err, &envErr) {
		r.setup.Outcome = results.Error
	}
	var step *setup.StepError
	if errors.As(err, &step) {
		r.setup.Step = step.ID
		if setup.EnvironmentStep(step.ID) && !interrupted {
			// The nodes could not be created or started, or a product never became ready: the environment
			// or the harness failed, and the run proves nothing about the integration.
			r.setup.Outcome = results.Error
		}
		if n := len(r.setup.Steps); n > 0 && r.setup.Steps[n-1].ID == step.ID {
			r.setup.Steps[n-1].Outcome, r.setup.Steps[n-1].Message = r.setup.Outcome, msg
		}
		if e, known := s.Cell.ExpectSetup(step.ID, err.Error()); known && !interrupted && envErr == nil {
			r.setup.Outcome, r.setup.Link = results.XFail, e.Link
			r.setup.Message = fmt.Sprintf("XFAIL (%s): %s — %s", e.Link, e.Reason, msg)
		}
	}
}

func isBaseStep(id string) bool {
	for _, s := range setup.StepIDs() {
		if s == id {
			return true
		}
	}
	return false
}

func (r *recorder) record(ch *checks.Check, v checks.Verdict, run checks.Run) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.specs[ch.ID] = specResult(ch, v.Outcome, v.Message, v.Link, run.Duration, run.Measurements)
}

// done counts the checks that have a verdict, and those of them that failed (for progress lines).
func (r *recorder) done() (done, failed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.specs {
		if s.Outcome == results.Failed || s.Outcome == results.XPass {
			failed++
		}
	}
	return len(r.specs), failed
}

func specResult(ch *checks.Check, o results.Outcome, msg, link string, d time.Duration, m map[string]float64) results.Spec {
	return results.Spec{ID: ch.ID, Area: ch.Area, Capability: ch.Capability, Title: ch.Title, Level: string(ch.Level),
		Refs: ch.Refs, Outcome: o, Message: msg, Link: link, DurationMs: d.Milliseconds(), Measurements: m}
}

// write assembles results.json from the recorded verdicts (every selected check appears, also those that
// never ran, with the reason) and writes it with junit.xml.
func (r *recorder) write(s *cellrun.Session, report Report) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg := s.Config
	interrupted := false
	for _, reason := range report.SpecialSuiteFailureReasons {
		interrupted = interrupted || strings.Contains(reason, "Interrupted")
	}
	c := &results.Cell{Cell: s.Cell.Name(), IS: s.Cell.IS.Version, APIM: s.Cell.APIM.Version, Target: cfg.Target, Profile: s.Cell.Profile,
		LabelFilter: cfg.LabelFilter, Seed: cfg.Seed, Started: r.started.UTC(), DurationMs: time.Since(r.started).Milliseconds(),
		Setup: r.setup, Interrupted: interrupted, Teardown: r.teardown}
	if s.Env != nil {
		c.DocumentationDrift = s.Env.DocumentationDrift
	}
	if fixtures != nil {
		for _, o := range fixtures.Outcomes() {
			st := results.Step{ID: o.Name, Kind: "fixture", Outcome: results.Passed, DurationMs: o.Duration.Milliseconds()}
			if o.Err != nil {
				st.Outcome, st.Message = results.Failed, s.Redact(o.Err.Error())
			} else if e, known := s.Cell.KnownSetupFailure(o.Name); known && !o.Private {
				c.Setup.Stale = append(c.Setup.Stale, fmt.Sprintf("XPASS: fixture %s was created in %s although the matrix lists it as a known failure (%s): remove the expectation",
					o.Name, s.Cell.Name(), e.Reason))
			}
			c.Setup.Steps = append(c.Setup.Steps, st)
		}
	}
	filter, _ := types.ParseLabelFilter(cfg.LabelFilter) // validated by cellrun
	for _, ch := range checks.All() {
		if !filter(ch.Labels()) {
			continue
		}
		spec, ok := r.specs[ch.ID]
		if !ok {
			why := notRun(c, interrupted)
			if r.aborted != "" {
				why = "not run: " + r.aborted
			}
			spec = specResult(ch, results.Skipped, why, "", 0, nil)
		}
		c.Specs = append(c.Specs, spec)
	}
	if err := results.Write(cfg.ReportDir, c); err != nil {
		return err
	}
	for _, stale := range c.Setup.Stale {
		report.SpecReports = append(report.SpecReports, types.SpecReport{
			LeafNodeType: types.NodeTypeIt, LeafNodeText: "matrix expectations are current", State: types.SpecStateFailed,
			Failure: types.Failure{Message: stale, FailureNodeType: types.NodeTypeIt}})
	}
	return reporters.GenerateJUnitReportWithConfig(report, filepath.Join(cfg.ReportDir, "junit.xml"), reporters.JunitReportConfig{
		OmitTimelinesForSpecState: types.SpecStatePassed | types.SpecStateSkipped, OmitSpecLabels: true,
	})
}

// notRun says why a selected check has no verdict.
func notRun(c *results.Cell, interrupted bool) string {
	switch {
	case interrupted:
		return "not run: the run was interrupted"
	case c.Setup.Outcome == results.XFail:
		return "not run: the setup of this cell is a known failure — " + c.Setup.Message
	case c.Setup.Outcome == results.Error:
		return "not run: " + c.Setup.Message
	case c.Setup.Outcome != results.Passed:
		return "not run: the base setup failed" + stepSuffix(c.Setup.Step)
	}
	return "not run"
}

func stepSuffix(step string) string {
	if step == "" {
		return ""
	}
	return " at step " + step
}
