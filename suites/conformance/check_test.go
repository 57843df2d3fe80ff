package conformance

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmconform/kmconform/harness/matrix"
)

// capability runs a spec body under the cell's expectation for one capability: required (run it),
// unsupported (skip with the reason), or known failure (run it; a failure is reported as XFAIL with the
// reason and link, an unexpected pass fails the spec so that the stale expectation gets removed).
func capability(name string, body func()) {
	e := env.Cell.Expect(name)
	AddReportEntry("capability", name, ReportEntryVisibilityNever)
	switch e.Status {
	case matrix.Unsupported:
		Skip(fmt.Sprintf("NOT_SUPPORTED in %s: %s", env.Cell.Name(), e.Reason))
	case matrix.KnownFailure:
		err := InterceptGomegaFailure(body)
		if err != nil {
			AddReportEntry("expected-failure", e.Link, ReportEntryVisibilityNever)
			Skip(fmt.Sprintf("XFAIL (%s): %s — %s", e.Link, e.Reason, redact(err.Error())))
		}
		Fail(fmt.Sprintf("XPASS: %s passed in %s although it is listed as a known failure (%s); remove the expectation", name, env.Cell.Name(), e.Reason))
	default:
		body()
	}
}

// expectNoError fails with a redacted message that names what was being done.
func expectNoError(err error, what string, args ...any) {
	GinkgoHelper()
	if err != nil {
		failSpec(fmt.Sprintf(what, args...) + ": " + err.Error())
	}
}

// failSpec fails the spec with a redacted message, through Gomega rather than Ginkgo's Fail, so that a
// capability listed as a known failure can intercept it (InterceptGomegaFailure sees only Gomega's
// failures).
func failSpec(message string) {
	GinkgoHelper()
	Expect(redact(message)).To(alwaysFail{})
}

// alwaysFail is a matcher whose failure message is the actual value itself.
type alwaysFail struct{}

func (alwaysFail) Match(any) (bool, error)                 { return false, nil }
func (alwaysFail) FailureMessage(actual any) string        { return fmt.Sprint(actual) }
func (alwaysFail) NegatedFailureMessage(actual any) string { return fmt.Sprint(actual) }
