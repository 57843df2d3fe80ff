package checks

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/onsi/gomega"

	"github.com/kmconform/kmconform/harness/env"
	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/plan"
	"github.com/kmconform/kmconform/harness/results"
)

// Run is what a check's body did.
type Run struct {
	Failed bool
	// Message is the failure, redacted, with a pointer to the check's HTTP exchanges.
	Message string
	// Fixture is the fixture whose failure ended the check ("" if none).
	Fixture      string
	Duration     time.Duration
	Measurements map[string]float64
}

// Actor is how the transcript labels a check's HTTP exchanges.
func Actor(ch *Check) string { return "check " + ch.ID }

// Execute runs a check's body and then what it deferred. It never panics: a defect in a body (a nil
// pointer, an index out of range) is a failure with its stack.
func Execute(ctx context.Context, ch *Check, e *env.Env, fx *fixture.Set, log io.Writer) Run {
	if log == nil {
		log = io.Discard
	}
	actor := Actor(ch)
	c := &C{Env: e, ctx: evidence.WithActor(ctx, actor), check: ch, fixtures: fx, log: log}
	c.g = gomega.NewGomega(func(message string, _ ...int) { panic(failure{msg: message}) })
	start := time.Now()
	var f *failure
	func() {
		defer func() {
			if r := recover(); r != nil {
				if ff, ok := r.(failure); ok {
					f = &ff
					return
				}
				f = &failure{msg: fmt.Sprintf("kmconform defect: check %s panicked: %v\n%s", ch.ID, r, debug.Stack())}
			}
		}()
		ch.Run(c)
	}()
	cleanupCtx := evidence.WithActor(context.WithoutCancel(ctx), actor)
	for i := len(c.deferred) - 1; i >= 0; i-- {
		if err := c.deferred[i](cleanupCtx); err != nil {
			fmt.Fprintf(log, "  cleanup after %s: %s\n", ch.ID, e.Redact(err.Error()))
		}
	}
	run := Run{Duration: time.Since(start), Measurements: c.measurements}
	if f != nil {
		run.Failed = true
		run.Message = e.Redact(f.msg)
		if f.fixture != nil {
			run.Fixture = f.fixture.Fixture
		}
		if e != nil && e.Transcript != nil {
			run.Message += " (see " + e.Transcript.Entries(actor).String() + ")"
		}
	}
	return run
}

// Verdict is a check's outcome in a cell, with the message and link to report.
type Verdict struct {
	Outcome results.Outcome
	Message string
	Link    string
}

// AttachReason is why a check that reads the products' files does not run against a pair kmconform did not
// start (the attach target).
const AttachReason = "attach: deployment.toml not readable — this check reads the products' files (configuration, stores, dropins, logs), which a pair kmconform did not start does not expose"

// Applicable says whether a check can run where the products' files are (not) readable: a check marked
// Files is not applicable without file access.
func Applicable(ch *Check, fileAccess bool) (Verdict, bool) {
	if ch.Files && !fileAccess {
		return Verdict{Outcome: results.NotApplicable, Message: AttachReason}, false
	}
	return Verdict{}, true
}

// ProfileBefore says whether the run's Key Manager profile can check a capability: one the profile lacks,
// or one the provider, the pair or the run cannot offer here (env.Provider.Missing: not advertised, no API-M,
// opaque tokens), is NOT_SUPPORTED with the capability named. e may be nil (kmconform plan).
func ProfileBefore(p *plan.Profile, e *env.Env, ch *Check) (Verdict, bool) {
	if !p.Supports(ch.Capability) {
		return Verdict{Outcome: results.NotSupported,
			Message: fmt.Sprintf("NOT_SUPPORTED by Key Manager profile %s: it lacks capability %s (%s)", p.Name, ch.Capability, p.LackReason(ch.Capability))}, false
	}
	if e != nil && e.Provider != nil {
		if why, ok := e.Provider.Missing[ch.Capability]; ok {
			return Verdict{Outcome: results.NotSupported,
				Message: fmt.Sprintf("NOT_SUPPORTED with Key Manager profile %s: capability %s cannot be checked here: %s", p.Name, ch.Capability, why)}, false
		}
	}
	return Verdict{}, true
}

// Before says whether a check runs in a cell at all: a capability the cell lacks is NOT_SUPPORTED.
func Before(cell matrix.Cell, ch *Check) (Verdict, bool) {
	e := cell.Expect(ch.Capability)
	if e.Status == matrix.Unsupported {
		return Verdict{Outcome: results.NotSupported, Link: e.Link,
			Message: fmt.Sprintf("NOT_SUPPORTED in %s: %s", cell.Name(), e.Reason)}, false
	}
	return Verdict{}, true
}

// Judge turns what a check did into its outcome under the cell's expectations. A known failure must fail
// for its listed reason: a failure that does not contain the expectation's match is a regression, and a
// pass is XPASS (the expectation is stale).
func Judge(cell matrix.Cell, ch *Check, run Run) Verdict {
	if run.Failed && run.Fixture != "" {
		if e, ok := cell.ExpectSetup(run.Fixture, run.Message); ok {
			return Verdict{Outcome: results.XFail, Link: e.Link,
				Message: fmt.Sprintf("XFAIL (%s): fixture %s is a known failure in %s: %s — %s", e.Link, run.Fixture, cell.Name(), e.Reason, run.Message)}
		}
	}
	e := cell.Expect(ch.Capability)
	switch {
	case e.Status != matrix.KnownFailure && run.Failed:
		return Verdict{Outcome: results.Failed, Message: run.Message}
	case e.Status != matrix.KnownFailure:
		return Verdict{Outcome: results.Passed}
	case !run.Failed:
		return Verdict{Outcome: results.XPass, Link: e.Link,
			Message: fmt.Sprintf("XPASS: %s passed in %s although the matrix lists capability %s as a known failure (%s): remove the expectation",
				ch.ID, cell.Name(), ch.Capability, e.Reason)}
	case !strings.Contains(run.Message, e.Match):
		return Verdict{Outcome: results.Failed, Link: e.Link,
			Message: fmt.Sprintf("failed for another reason than its known incompatibility (the matrix expects a failure containing %q: %s): %s",
				e.Match, e.Reason, run.Message)}
	}
	return Verdict{Outcome: results.XFail, Link: e.Link,
		Message: fmt.Sprintf("XFAIL (%s): %s — %s", e.Link, e.Reason, run.Message)}
}
