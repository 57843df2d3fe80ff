package conformance

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/wso2am"
)

var _ = Describe("Grants", Label("grants"), func() {
	It("client_credentials: a token from IS calls the API through the gateway [RFC 6749 §4.4]", func(ctx SpecContext) {
		capability("grant.client_credentials", func() {
			tok, err := env.IS.ClientCredentials(ctx, env.Discovery.TokenEndpoint, env.ISApp.ConsumerKey, env.ISApp.ConsumerSecret)
			expectNoError(err, "get a client_credentials token from IS")
			expectGatewayAccepts(ctx, tok.AccessToken, "a client_credentials token from IS")
		})
	})
})

// expectGatewayAccepts polls the API until the gateway answers 200, allowing for the time API-M takes to
// propagate a new API, subscription or Key Manager to its gateway.
func expectGatewayAccepts(ctx SpecContext, token, what string) {
	GinkgoHelper()
	iv := intervals.Get(intervals.GatewayPropagation)
	var last wso2am.GatewayAnswer
	start, said := time.Now(), time.Now()
	Eventually(ctx, func() int {
		a, err := env.APIM.CallAPI(ctx, env.APIPath, token)
		if err != nil {
			last = wso2am.GatewayAnswer{Body: err.Error()}
		} else {
			last = a
		}
		if a.Status != http.StatusOK && time.Since(said) >= 15*time.Second {
			GinkgoWriter.Printf("  still waiting for the gateway to accept %s: %s of %s (last answer: %s)\n",
				what, time.Since(start).Round(time.Second), iv.Timeout, redact(last.String()))
			said = time.Now()
		}
		return last.Status
	}).WithTimeout(iv.Timeout).WithPolling(iv.Poll).Should(Equal(http.StatusOK),
		func() string {
			return redact("the gateway did not accept " + what + " on " + env.APIPath + " within " + iv.Timeout.String() + "; last answer: " + last.String())
		})
}
