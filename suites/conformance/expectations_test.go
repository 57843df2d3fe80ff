package conformance

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
)

var _ = Describe("Matrix expectations", Label("matrix"), func() {
	// Reaching a spec means the setup succeeded, so a setup step the matrix lists as a known failure for this
	// cell did not fail: the entry is stale and would hide a future regression of that step.
	It("lists no known setup failure that no longer happens", func() {
		for _, e := range env.Cell.SetupExpectations() {
			Fail(fmt.Sprintf("XPASS: setup step %s succeeded in %s although the matrix lists it as a known failure (%s); remove the expectation",
				e.Setup, env.Cell.Name(), e.Reason))
		}
	})
})
