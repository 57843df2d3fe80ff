package checks

import (
	"github.com/kmconform/kmconform/harness/env"
	"github.com/kmconform/kmconform/harness/wso2am"
)

// expectGatewayAccepts calls the API until the gateway answers 200, allowing for the time API-M takes to
// propagate a new API, subscription or Key Manager to its gateway.
func expectGatewayAccepts(c *C, token, what string) {
	expectGatewayAcceptsAt(c, c.Env.APIPath, token, what)
}

// callAPI makes one call through the gateway and ends the check when the call itself fails.
func callAPI(c *C, token, what string) wso2am.GatewayAnswer {
	a, err := c.Env.APIM.CallAPI(c.ctx, c.Env.APIPath, token)
	c.NoErr(err, "call the API through the gateway with %s", what)
	return a
}

// appToken is a client_credentials token from IS for an application whose keys IS issued.
func appToken(c *C, app *env.AppKeys) string {
	tok, err := c.Env.IS.ClientCredentials(c.ctx, c.Env.Discovery.TokenEndpoint, app.ConsumerKey, app.ConsumerSecret)
	c.NoErr(err, "get a client_credentials token from IS for application %s", app.Name)
	return tok.AccessToken
}
