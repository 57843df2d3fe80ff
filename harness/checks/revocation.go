package checks

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/poll"
)

func init() { register(revocationJWT) }

// RFC 7009 §2: after revocation the token is no longer usable. With IS as Key Manager that reaches the
// gateway only through IS's notification to API-M's /internal/data/v1/notify.
var revocationJWT = &Check{
	ID: "revocation.jwt.gateway", Area: "revocation", Capability: "revocation.notify", Level: MUST,
	Title: "a self-validated JWT revoked at IS is refused by the gateway with 900901 within the revocation interval",
	Refs: []string{"RFC 7009 §2", "API-M docs: Configure WSO2 IS 7 as a Key Manager (token revocation event listener)",
		"wso2/product-apim#11274 (revoked token still accepted)"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults: []Proof{
		{"no-jar", "the revocation notification did not reach API-M"},
		{"no-event-listener", "the revocation notification did not reach API-M"},
		{"apim-notify-ignores-revocation", "the revocation notification did not reach API-M"},
	},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ISApp)
		tok, err := e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, app.ConsumerKey, app.ConsumerSecret)
		c.NoErr(err, "get a client_credentials token from IS")
		// The token must work first, or a 401 afterwards would prove nothing.
		expectGatewayAccepts(c, tok.AccessToken, "the token before revocation")

		revokedAt := time.Now()
		c.NoErr(e.IS.Revoke(c.ctx, e.Discovery.RevocationEndpoint, app.ConsumerKey, app.ConsumerSecret, tok.AccessToken, "access_token"),
			"revoke the token at IS")
		res, err := poll.Until(c.ctx, poll.Options{What: "the gateway to refuse the revoked token with 900901",
			Interval: intervals.Revocation, Since: revokedAt, Progress: c.log},
			func(ctx context.Context) (bool, string, error) {
				a, err := e.APIM.CallAPI(ctx, e.APIPath, tok.AccessToken)
				if err != nil {
					return false, err.Error(), nil
				}
				return a.Status == http.StatusUnauthorized && a.Code == "900901", a.String(), nil
			})
		if err != nil {
			isView := "IS introspection could not be read"
			if in, ierr := e.IS.Introspect(c.ctx, e.Discovery.IntrospectionEndpoint, tok.AccessToken); ierr == nil {
				isView = fmt.Sprintf("IS introspection says active=%t", in.Active)
			}
			c.Failf("the gateway still accepted the token after it was revoked at IS (%s; %v): the revocation notification did not reach API-M — check IS's [[event_listener]] token_revocation block and the notification handler JAR in IS's repository/components/dropins",
				isView, err)
		}
		c.Measure("revocation-latency-ms", float64(res.Elapsed.Microseconds())/1000)
		c.Logf("revocation reached the gateway after %d ms", res.Elapsed.Milliseconds())
	},
}
