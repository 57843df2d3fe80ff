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
		Fail(err.Error())
	}
	s, err := cellrun.Start(ctx, cfg, GinkgoWriter)
	session = s
	// Evidence first, teardown second — also after a failed setup and after Ctrl-C.
	DeferCleanup(func(ctx SpecContext) {
		if err := session.SaveEvidence(ctx); err != nil {
			GinkgoWriter.Printf("saving evidence: %v\n", err)
		}
		Expect(session.Close(ctx)).To(Succeed(), "tear down the cell")
	}, NodeTimeout(3*time.Minute))
	if err != nil {
		var step *topology.StepError
		if s != nil && errors.As(err, &step) {
			if e, known := s.Cell.ExpectSetup(step.ID, err.Error()); known {
				AddReportEntry("expected-failure", e.Link, ReportEntryVisibilityNever)
				Skip(fmt.Sprintf("XFAIL (%s): %s — %s", e.Link, e.Reason, redact(err.Error())))
			}
		}
		Fail(redact(err.Error()))
	}
	env = s.Env
	for _, st := range env.Steps {
		AddReportEntry("setup: "+st.Name, st.Duration.Round(time.Millisecond).String(), ReportEntryVisibilityNever)
	}
	AddReportEntry("cell", s.Cell.Name(), ReportEntryVisibilityNever)
}, NodeTimeout(30*time.Minute))

// redact masks every secret the setup saw and every secret-shaped value.
func redact(s string) string {
	if env != nil && env.Redactor != nil {
		return env.Redactor.Redact(s)
	}
	if session != nil && session.Env != nil {
		return session.Env.Redactor.Redact(s)
	}
	return s
}
