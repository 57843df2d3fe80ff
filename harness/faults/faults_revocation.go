package faults

import (
	"strings"

	"github.com/kmconform/kmconform/harness/plan"
)

func init() { register(revocationFaults...) }

// revocationFaults are the faults of the revocation checks (area revocation).
var revocationFaults = []Fault{
	// Setup faults: revocation mistakes users report (wso2/product-apim#11274, apim-km-wso2is EventSender).
	// notify-header-wso2-is-7, listener-type-oauth-event-interceptor and is-no-trust, which the revocation
	// checks also declare, live with the setup faults (faults_setup.go).
	{Name: "notify-wrong-port", Kind: Setup,
		Doc: "points notification_endpoint at port 9444 (the documentation's IS port) instead of API-M's 9443, where nothing listens and IS only logs the failure (apim-km-wso2is 2.x EventSender.java)",
		apply: func(p *plan.Plan) {
			p.IS.NotifyEndpoint = strings.Replace(plan.NotifyEndpoint, ":9443/", ":9444/", 1)
		}},

	// Product faults: regressions the simulator plays.
	{Name: "is-no-renewal-event", Kind: Product, Product: "is",
		Doc: "IS sends no token_revocation event for the previous access token of a refresh_token grant (api-manager#2270)"},
	{Name: "is-password-change-keeps-tokens", Kind: Product, Product: "is",
		Doc: "a user's password change does not revoke the user's tokens at IS"},
	{Name: "is-notify-on-refresh-revoke", Kind: Product, Product: "is",
		Doc: "revoking a refresh token alone sends a token_revocation event for its access token, which stays active at IS"},
	{Name: "apim-notify-keeps-opaque-token", Kind: Product, Product: "apim",
		Doc: "API-M's revocation handler does not evict a revoked opaque token from the gateway's key-validation cache"},
}
