package checks

import (
	"context"
	"net/http"
	"time"

	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/poll"
	"github.com/kmconform/kmconform/harness/wso2am"
)

// The revocation of an application's tokens through its lifecycle: a regenerated consumer secret and a
// deleted application.

func init() { register(revocationSecretRegenerated, revocationAppDeleted) }

var revocationSecretRegenerated = &Check{
	ID: "revocation.app-secret-regenerated", Area: "revocation", Capability: "revocation.app-lifecycle", Level: MUST,
	Title: "an application's tokens survive regenerate-secret with the IS 7 Key Manager (the connector does not regenerate secrets at IS): IS introspection says active and the gateway accepts them",
	Refs: []string{refDevportal + " (POST …/oauth-keys/{keyMappingId}/regenerate-secret)",
		"wso2-extensions/apim-km-wso2is WSO2IS7KeyManager.getNewApplicationConsumerSecret (returns null, v2.0.2–v2.1.2)",
		"RFC 7662 §2.2 (active)", "wso2/product-apim integration-v2 IS 7 Key Manager features: secret regeneration not covered"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults:   []Proof{{"apim-regenerate-secret-not-at-is", "refused by IS"}},
	Run: func(c *C) {
		e := c.Env
		app := Private(c, fixture.ISApp)
		tok := appToken(c, app)
		expectGatewayAccepts(c, tok, "the application's token before regenerate-secret")
		expectNoRegeneration(c, app)
		in, err := e.IS.Introspect(c.ctx, e.Discovery.IntrospectionEndpoint, tok)
		c.NoErr(err, "introspect the token at IS after regenerate-secret")
		if !in.Active {
			c.Failf("IS introspection says active=false for a token of application %s after regenerate-secret, although IS's OAuth client was not changed: something revoked the application's tokens", app.Name)
		}
		a := callAPI(c, tok, "the token after regenerate-secret")
		if a.Status != http.StatusOK {
			c.Failf("the gateway refused a token of application %s after regenerate-secret (%s), although IS still says it is active and the IS 7 connector changes nothing at IS",
				app.Name, a.String())
		}
	},
}

var revocationAppDeleted = &Check{
	ID: "revocation.app-deleted", Area: "revocation", Capability: "revocation.app-lifecycle", Level: MUST,
	Title: "the tokens of a deleted application: IS introspection says inactive and the gateway refuses them (403 900908, or 401 900901) within the revocation interval",
	Refs: []string{refDevportal + " (DELETE /applications/{applicationId})", refConnector + " deleteApplication (DCR DELETE)",
		"RFC 7662 §2.2 (active false)", "API-M docs: gateway subscription validation (900908 Resource forbidden)",
		"wso2/product-apim integration-v2 IS 7 Key Manager features: application deletion not covered"},
	Fixtures: []string{fixture.LifecycleApp.Name},
	Faults: []Proof{
		{"apim-gateway-keeps-deleted-app", "still accepted"},
		{"is-dcr-delete-keeps-tokens", "IS introspection"},
		{"apim-app-delete-keeps-is-client", "IS introspection"},
	},
	Run: func(c *C) {
		e := c.Env
		app := Private(c, fixture.LifecycleApp)
		tok := appToken(c, app)
		expectGatewayAccepts(c, tok, "the application's token before the application is deleted")
		deletedAt := time.Now()
		c.NoErr(e.APIM.DeleteApplication(c.ctx, app.AppID), "delete application %s", app.Name)
		// IS deletes the OAuth client and its tokens synchronously on the connector's DCR DELETE.
		in, err := e.IS.Introspect(c.ctx, e.Discovery.IntrospectionEndpoint, tok)
		c.NoErr(err, "introspect the token at IS after the application was deleted")
		if in.Active {
			c.Failf("IS introspection still says active=true for a token of application %s after API-M deleted the application (and so its OAuth client at IS): the token outlives its client",
				app.Name)
		}
		var last wso2am.GatewayAnswer
		res, err := poll.Until(c.ctx, poll.Options{What: "the gateway to refuse the deleted application's token",
			Interval: intervals.Revocation, Since: deletedAt, Progress: c.log},
			func(ctx context.Context) (bool, string, error) {
				a, err := e.APIM.CallAPI(ctx, e.APIPath, tok)
				if err != nil {
					return false, err.Error(), nil
				}
				last = a
				// JWT path: the key mapping and subscription are gone (900908); a revocation event, if IS
				// sent one, puts the jti in the revoked map first (900901). Either is a refusal.
				return (a.Status == http.StatusForbidden && a.Code == "900908") || (a.Status == http.StatusUnauthorized && a.Code == "900901"),
					a.String(), nil
			})
		if err != nil {
			c.Failf("the gateway still accepted a token of deleted application %s (%v): its key mapping and subscription must leave the gateway within the revocation interval",
				app.Name, err)
		}
		c.Measure("app-delete-refusal-ms", float64(res.Elapsed.Milliseconds()))
		c.Logf("the gateway refused the deleted application's token after %d ms with %s", res.Elapsed.Milliseconds(), last.String())
	},
}
