package conformance

import (
	"fmt"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/kmconform/kmconform/harness/intervals"
)

var _ = Describe("Revocation", Label("revocation"), func() {
	// RFC 7009 §2: after revocation the token is no longer usable. With IS as Key Manager that reaches the
	// gateway only through IS's notification to API-M's /internal/data/v1/notify.
	It("a token revoked at IS is refused by the gateway with 900901 within the revocation deadline [RFC 7009 §2]", func(ctx SpecContext) {
		capability("revocation.notify", func() {
			tok, err := env.IS.ClientCredentials(ctx, env.Discovery.TokenEndpoint, env.ISApp.ConsumerKey, env.ISApp.ConsumerSecret)
			expectNoError(err, "get a client_credentials token from IS")
			// The token must work first, or a 401 afterwards would prove nothing.
			expectGatewayAccepts(ctx, tok.AccessToken, "the token before revocation")

			revokedAt := time.Now()
			expectNoError(env.IS.Revoke(ctx, env.Discovery.RevocationEndpoint, env.ISApp.ConsumerKey, env.ISApp.ConsumerSecret, tok.AccessToken, "access_token"),
				"revoke the token at IS")

			iv := intervals.Get(intervals.Revocation)
			deadline := revokedAt.Add(iv.Timeout)
			var last string
			for time.Now().Before(deadline) {
				a, err := env.APIM.CallAPI(ctx, env.APIPath, tok.AccessToken)
				if err == nil && a.Status == http.StatusUnauthorized && a.Code == "900901" {
					latency := time.Since(revokedAt)
					AddReportEntry("revocation-latency-ms", latency.Milliseconds())
					GinkgoWriter.Printf("revocation reached the gateway after %d ms\n", latency.Milliseconds())
					return
				}
				if err != nil {
					last = err.Error()
				} else {
					last = a.String()
				}
				select {
				case <-ctx.Done():
					failSpec("interrupted while waiting for the revocation to reach the gateway")
				case <-time.After(iv.Poll):
				}
			}
			isView := "IS introspection could not be read"
			if in, err := env.IS.Introspect(ctx, env.Discovery.IntrospectionEndpoint, tok.AccessToken); err == nil {
				isView = fmt.Sprintf("IS introspection says active=%t", in.Active)
			}
			failSpec(fmt.Sprintf(
				"the gateway still accepted the token %s after it was revoked at IS (%s; last gateway answer: %s): the revocation notification did not reach API-M — check IS's [[event_listener]] token_revocation block and the notification handler JAR in IS's repository/components/dropins",
				iv.Timeout, isView, last))
		})
	})
})
