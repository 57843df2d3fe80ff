// Package conformance is the Ginkgo suite kmconform runs once per matrix cell: the base setup in
// BeforeSuite, one spec per check of the catalogue (harness/checks), evidence and teardown after, and
// reports/<cell>/results.json and junit.xml at the end. Run it through "kmconform run", which writes the
// run configuration this suite reads.
package conformance

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os/signal"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/kmconform/kmconform/harness/cellrun"
	"github.com/kmconform/kmconform/harness/checks"
	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/progress"
	"github.com/kmconform/kmconform/harness/results"
	"github.com/kmconform/kmconform/harness/setup"
)

var configPath = flag.String("kmconform.config", "", "run configuration written by 'kmconform run'")

var (
	session  *cellrun.Session
	fixtures *fixture.Set
	// run collects what the suite reports in results.json.
	run = newRecorder()
	// events tells kmconform which phase the cell is in (nil when the suite runs by hand).
	events = progress.FromEnv()
	// selected is how many checks the label filter selects.
	selected int
)

func TestConformance(t *testing.T) {
	tclog.SetDefault(tclog.NewNoopLogger()) // no testcontainers banner in the cell's output
	// kmconform's output is often a pipe (CI's log collector, tee). Should its reader die with kmconform, a
	// write would kill the suite by SIGPIPE before it tore the cell down; ignored, the write just fails.
	signal.Ignore(syscall.SIGPIPE)
	RegisterFailHandler(Fail)
	if *configPath == "" {
		t.Skip("the conformance suite runs through 'kmconform run' (make conformance), which gives it -kmconform.config")
	}
	RunSpecs(t, "kmconform conformance")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	cfg, err := cellrun.Load(*configPath)
	if err != nil {
		Fail(evidence.Redact(err.Error()))
	}
	if session, err = cellrun.New(cfg); err != nil {
		Fail(evidence.Redact(err.Error()))
	}
	run.start()
	session.OnStep = func(i, n int, id, name string) {
		events.Emit(progress.Event{Phase: progress.Setup, Step: i, Of: n, ID: id, Name: name})
	}
	if filter, err := types.ParseLabelFilter(cfg.LabelFilter); err == nil {
		for _, ch := range checks.All() {
			if filter(ch.Labels()) {
				selected++
			}
		}
	}
	if err := checks.Validate(checks.All(), session.Cell.Capabilities); err != nil {
		Fail("kmconform defect: the check catalogue is not valid: " + err.Error())
	}
	// Evidence first, fixtures and teardown second — registered before anything is created, so that they
	// also run after a failed or panicking setup and after Ctrl-C.
	DeferCleanup(func(ctx SpecContext) {
		events.Emit(progress.Event{Phase: progress.Teardown})
		if err := session.SaveEvidence(ctx); err != nil {
			GinkgoWriter.Printf("saving evidence: %v\n", err)
		}
		if err := fixtures.Close(ctx); err != nil {
			GinkgoWriter.Printf("removing fixtures: %s\n", session.Redact(err.Error()))
		}
		err := session.Close(ctx)
		if err != nil {
			run.teardownFailed(session.Redact(err.Error()))
		}
		Expect(err).To(Succeed(), "tear down the cell")
	}, NodeTimeout(5*time.Minute))

	err = session.Start(ctx, GinkgoWriter)
	run.setupDone(session, err, ctx.Err() != nil)
	if err != nil {
		var step *setup.StepError
		if errors.As(err, &step) {
			if e, known := session.Cell.ExpectSetup(step.ID, err.Error()); known {
				Skip(fmt.Sprintf("XFAIL (%s): %s — %s", e.Link, e.Reason, session.Redact(err.Error())))
			}
		}
		Fail(session.Redact(err.Error()))
	}
	fixtures = fixture.NewSet(session.Env)
})

// The specs: one per check of the catalogue, grouped by area, labelled so that --label-filter selects them.
var _ = func() bool {
	for _, area := range checks.Areas {
		var inArea []*checks.Check
		for _, ch := range checks.All() {
			if ch.Area == area {
				inArea = append(inArea, ch)
			}
		}
		if len(inArea) == 0 {
			continue
		}
		Describe(area, func() {
			for _, ch := range inArea {
				It("["+ch.ID+"] "+ch.Title, Label(ch.Labels()...), func(ctx SpecContext) { runCheck(ctx, ch) })
			}
		})
	}
	return true
}()

// runCheck runs one check under the cell's expectations and turns its verdict into Ginkgo's outcome:
// failed and XPASS fail the spec; NOT_SUPPORTED and XFAIL skip it with the reason.
func runCheck(ctx SpecContext, ch *checks.Check) {
	defer func() {
		done, failed := run.done()
		events.Emit(progress.Event{Phase: progress.Checks, Done: done, Total: selected, Failed: failed})
	}()
	// The profile first: a check it does not run is not_supported whatever the target.
	if v, ok := checks.ProfileBefore(session.Profile(), session.Env, ch); !ok {
		run.record(ch, v, checks.Run{})
		Skip(v.Message)
	}
	if v, ok := checks.Applicable(ch, session.FileAccess()); !ok {
		run.record(ch, v, checks.Run{})
		Skip(v.Message)
	}
	if v, ok := checks.Before(session.Cell, ch); !ok {
		run.record(ch, v, checks.Run{})
		Skip(v.Message)
	}
	// A product that stops on its own ends the check at once: nothing it waits for can come any more.
	cctx, cancel := context.WithCancelCause(ctx)
	stop := session.Watch(func(d *cellrun.NodeDown) { cancel(d.Cause) })
	r := checks.Execute(cctx, ch, session.Env, fixtures, GinkgoWriter)
	stop()
	cancel(nil)
	v := checks.Judge(session.Cell, ch, r)
	if d := session.Down(); d != nil {
		// The environment failed, not the product's conformance: the check proves nothing, the rest cannot run.
		msg := d.During(ch.Area + " checks (check " + ch.ID + ")")
		v = checks.Verdict{Outcome: results.Error, Message: session.Redact(msg)}
		run.record(ch, v, r)
		run.abort(v.Message)
		AbortSuite(v.Message)
	}
	run.record(ch, v, r)
	for name, value := range r.Measurements {
		AddReportEntry(name, value)
	}
	switch v.Outcome {
	case results.Failed, results.XPass:
		Fail(v.Message)
	case results.XFail:
		Skip(v.Message)
	}
}

var _ = ReportAfterSuite("results.json and junit.xml", func(r Report) {
	if session == nil {
		return
	}
	if err := run.write(session, r); err != nil {
		fmt.Fprintf(GinkgoWriter, "writing the cell's results: %v\n", err)
	}
})
