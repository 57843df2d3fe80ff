package checks

import (
	"net/http"
	"strings"
	"time"

	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/plan"
)

func init() { register(revocationJWT) }

// The revoked-JWT refusal (carbon-apimgt APISecurityConstants: "JWT in the revoked map").
const (
	revDescRevokedJWT = "Invalid JWT token. Make sure you have provided the correct security credentials"
	// revPrefixKeyValidation starts the description of a refusal on the key-validation (introspection) path.
	revPrefixKeyValidation = "Access failure for API"
)

// notifyProofs are the faults that keep a revocation notification from reaching API-M, with the words the
// failure must contain (the diagnosis names each).
var notifyProofs = []Proof{
	{"no-jar", "the revocation notification did not reach API-M"},
	{"no-event-listener", "the revocation notification did not reach API-M"},
	{"apim-notify-ignores-revocation", "the revocation notification did not reach API-M"},
	{"notify-header-wso2-is-7", "names no event handler of API-M"},
	{"listener-type-oauth-event-interceptor", "only " + plan.ListenerType + " fires"},
	{"is-no-trust", "Error while sending Revocation Event"},
	{"notify-wrong-port", "Error while sending Revocation Event"},
	{"km-self-validation-off", "not on its revoked-JWT list"},
}

// RFC 7009 §2: after revocation the token is no longer usable. With IS as Key Manager that reaches the
// gateway only through IS's notification to API-M's /internal/data/v1/notify.
var revocationJWT = &Check{
	ID: "revocation.jwt.gateway", Area: "revocation", Capability: "revocation.notify", Level: MUST,
	Title: "a self-validated JWT revoked at IS is inactive at IS and refused by the gateway (401 900901, revoked-JWT list) within the revocation interval",
	Refs: []string{"RFC 7009 §2", "RFC 7662 §2.2", "API-M docs: Configure WSO2 IS 7 as a Key Manager (token revocation event listener)",
		"wso2/product-apim#11274 (revoked token still accepted)",
		refIV2Overlay + " (X-WSO2-KEY-MANAGER = WSO2-IS; listener type AbstractIdentityHandler)",
		"wso2-extensions/apim-km-wso2is 2.x EventSender.java (fire-and-forget, HTTP status ignored)"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults:   notifyProofs,
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ISApp)
		tok := appToken(c, app)
		// The token must work first, or a 401 afterwards would prove nothing.
		expectGatewayAccepts(c, tok, "the token before revocation")

		revokedAt := time.Now()
		c.NoErr(e.IS.Revoke(c.ctx, e.Discovery.RevocationEndpoint, app.ConsumerKey, app.ConsumerSecret, tok, "access_token"),
			"revoke the token at IS")
		res := awaitRevokedJWT(c, e.APIPath, tok, "the revoked token", revokedAt)
		expectInactiveAtIS(c, tok, "the revoked token")
		c.Measure("revocation-latency-ms", latencyMs(res.Elapsed))
		c.Logf("revocation reached the gateway after %d ms", res.Elapsed.Milliseconds())
	},
}

// awaitRevokedJWT waits for the gateway's first refusal of a revoked self-validated JWT and asserts it is
// the revoked-JWT refusal: 401, 900901, "Invalid JWT token…". A refusal on the key-validation path means
// the gateway introspected the token instead of checking its revoked list.
func awaitRevokedJWT(c *C, path, token, what string, since time.Time) refusal {
	r := awaitRefusal(c, path, token, what, since)
	a := r.Answer
	switch {
	case a.Status == http.StatusUnauthorized && a.Code == "900901" && a.Description == revDescRevokedJWT && a.Message == msgInvalidCredentials:
		return r
	case a.Status == http.StatusUnauthorized && a.Code == "900901" && strings.HasPrefix(a.Description, revPrefixKeyValidation):
		c.Failf("the gateway refused %s only through introspection at IS (%s), after %d ms: the token is not on its revoked-JWT list, so the Key Manager does not self-validate IS's JWTs (enableSelfValidationJWT=false?) and a revocation waits for the introspection cache (wso2/product-apim integration-v2 is7-key-manager-integration-plan.md)",
			what, a.String(), r.Elapsed.Milliseconds())
	}
	c.Failf("the gateway refused %s with %s, want HTTP 401, code 900901 (%s: %s) for a JWT on its revoked list",
		what, a.String(), msgInvalidCredentials, revDescRevokedJWT)
	return r
}
