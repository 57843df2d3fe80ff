// Package conformance is the Ginkgo suite kmconform runs once per matrix cell: the setup in BeforeSuite,
// a file per area of checks, evidence and teardown after. Run it through "kmconform run", which writes the
// run configuration this suite reads.
package conformance

import (
	"errors"
	"flag"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/kmconform/kmconform/harness/cellrun"
	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/topology"
)

var configPath = flag.String("kmconform.config", "", "run configuration written by 'kmconform run'")

var (
	session *cellrun.Session
	env     *topology.Env
)

func TestConformance(t *testing.T) {
	tclog.SetDefault(tclog.NewNoopLogger()) // no testcontainers banner in the cell's output
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
	// Evidence first, teardown second — registered before anything is created, so that they also run
	// after a failed or panicking setup and after Ctrl-C.
	DeferCleanup(func(ctx SpecContext) {
		if err := session.SaveEvidence(ctx); err != nil {
			GinkgoWriter.Printf("saving evidence: %v\n", err)
		}
		Expect(session.Close(ctx)).To(Succeed(), "tear down the cell")
	}, NodeTimeout(5*time.Minute))

	if err := session.Start(ctx, GinkgoWriter); err != nil {
		var step *topology.StepError
		if errors.As(err, &step) {
			if e, known := session.Cell.ExpectSetup(step.ID, err.Error()); known {
				AddReportEntry("expected-failure", e.Link, ReportEntryVisibilityNever)
				Skip(fmt.Sprintf("XFAIL (%s): %s — %s", e.Link, e.Reason, redact(err.Error())))
			}
		}
		Fail(redact(err.Error()))
	}
	env = session.Env
	for _, st := range env.Steps {
		AddReportEntry("setup: "+st.Name, st.Duration.Round(time.Millisecond).String(), ReportEntryVisibilityNever)
	}
	AddReportEntry("cell", session.Cell.Name(), ReportEntryVisibilityNever)
})

// redact masks every secret the setup saw and every secret-shaped value.
func redact(s string) string { return session.Redact(s) }
