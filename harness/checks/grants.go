package checks

import (
	"github.com/kmconform/kmconform/harness/fixture"
)

func init() { register(grantClientCredentials) }

var grantClientCredentials = &Check{
	ID: "grants.client_credentials", Area: "grants", Capability: "grant.client_credentials", Level: MUST,
	Title:    "client_credentials: a token from IS calls the API through the gateway",
	Refs:     []string{"RFC 6749 §4.4", "API-M docs: Configure WSO2 IS 7 as a Key Manager (grant types)"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults: []Proof{
		{"no-trust", "TLS trust is missing"},
		{"is-sign-with-unpublished-key", "the gateway did not accept"},
	},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ISApp)
		tok, err := e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, app.ConsumerKey, app.ConsumerSecret)
		c.NoErr(err, "get a client_credentials token from IS")
		expectGatewayAccepts(c, tok.AccessToken, "a client_credentials token from IS")
	},
}
