package checks

import (
	"net/http"

	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/tokens"
)

func init() { register(mismatchResidentToken) }

// The Resident Key Manager's application is subscribed too, so only the API's Key Manager restriction
// can refuse its token.
var mismatchResidentToken = &Check{
	ID: "mismatch.resident-token", Area: "mismatch", Capability: "km.restriction", Level: MUST,
	Title:    "a Resident Key Manager token on an API restricted to IS is refused with 401 and 900901",
	Refs:     []string{"API-M docs: Key Manager selection per API (keyManagers)", "API-M gateway: JWT validation by issuer"},
	Fixtures: []string{fixture.ResidentApp.Name},
	Faults: []Proof{
		{"open-api", "the API's Key Manager restriction is not enforced"},
		{"gateway-ignores-km-restriction", "the API's Key Manager restriction is not enforced"},
	},
	Run: func(c *C) {
		e := c.Env
		app := Shared(c, fixture.ResidentApp)
		token, err := e.APIM.ResidentToken(c.ctx, app.ConsumerKey, app.ConsumerSecret)
		c.NoErr(err, "get a token from the Resident Key Manager")
		// Positive control: the token is a valid token of the Resident Key Manager, so a refusal below can
		// only come from the API's restriction, not from a broken token.
		_, err = tokens.Verify(c.ctx, e.HTTP, e.APIM.Base+"/oauth2/jwks", token, e.APIM.Base+"/oauth2/token")
		c.NoErr(err, "the Resident Key Manager token does not verify against API-M's own JWKS, so its refusal would prove nothing")
		a := callAPI(c, token, "the Resident Key Manager token")
		if a.Status != http.StatusUnauthorized {
			c.Failf("the gateway answered %s to a Resident Key Manager token on API %s, whose Key Managers are %v: the API's Key Manager restriction is not enforced",
				a.String(), e.API.Name, e.API.KeyManagers)
		}
		if a.Code != "900901" {
			c.Failf("the gateway refused the token, but with %s instead of code 900901", a.String())
		}
	},
}
