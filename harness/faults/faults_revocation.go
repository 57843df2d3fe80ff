package faults

import (
	"strings"

	"github.com/kmconform/kmconform/harness/plan"
)

// OAuthEventInterceptorType is the listener type users copy from older guides; the IS 7 interceptor
// looks its enabled flag up under AbstractIdentityHandler, so a listener of this type never fires.
const OAuthEventInterceptorType = "org.wso2.carbon.identity.oauth.event.OAuthEventInterceptor"

func init() { register(revocationFaults...) }

// revocationFaults are the faults of the revocation checks (area revocation).
var revocationFaults = []Fault{
	// Setup faults: the revocation mistakes field-failures.md lists.
	{Name: "notify-header-wso2-is-7", Kind: Setup,
		Doc:   "sets 'header.X-WSO2-KEY-MANAGER' to the connector type WSO2-IS-7, which names no API-M event handler (field-failures #1)",
		apply: func(p *plan.Plan) { p.IS.NotifyHeader = "WSO2-IS-7" }},
	{Name: "listener-type-oauth-interceptor", Kind: Setup,
		Doc:   "gives the token_revocation [[event_listener]] the OAuthEventInterceptor type, under which it never fires (field-failures #2)",
		apply: func(p *plan.Plan) { p.IS.ListenerType = OAuthEventInterceptorType }},
	{Name: "is-distrusts-apim", Kind: Setup,
		Doc:   "leaves the run's CA out of IS's client trust store, so IS's revocation notifications fail the TLS handshake (field-failures #3)",
		apply: func(p *plan.Plan) { p.Trust.ISTrustsAPIM = false }},
	{Name: "notify-wrong-port", Kind: Setup,
		Doc: "points notification_endpoint at port 9444 (the documentation's IS port) instead of API-M's 9443, where nothing listens (field-failures #3)",
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
