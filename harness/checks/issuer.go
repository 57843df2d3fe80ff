package checks

import (
	"github.com/kmconform/kmconform/harness/fixture"
	"github.com/kmconform/kmconform/harness/tokens"
)

func init() { register(issuerAgrees) }

// OIDC Discovery 1.0 §4.3: the issuer in the discovery document is the token's iss. API-M picks the Key
// Manager of a JWT by iss, so the registered issuer must be that value too.
var issuerAgrees = &Check{
	ID: "issuer.agrees", Area: "issuer", Capability: "issuer", Level: MUST,
	Title: "IS discovery's issuer, the issuer registered for the Key Manager and the token's iss agree; the token verifies against IS's JWKS",
	Refs: []string{"OIDC Discovery 1.0 §4.3", "RFC 9068 §4", "API-M docs: Configure WSO2 IS 7 as a Key Manager (Issuer)",
		"wso2/docs-apim#7758 (a documented issuer that matched no token)"},
	Fixtures: []string{fixture.ISApp.Name},
	Faults: []Proof{
		{"wrong-issuer", "is registered in API-M with issuer"},
		{"is-token-iss-mismatch", "is not the issuer IS publishes"},
		{"is-sign-with-unpublished-key", "no key in IS JWKS matches"},
	},
	Run: func(c *C) {
		e := c.Env
		published, registered := e.Discovery.Issuer, e.KeyManager.Issuer
		if registered != published {
			c.Failf("Key Manager %q is registered in API-M with issuer %q, but IS publishes issuer %q in its discovery document: API-M will not match IS's tokens to this Key Manager",
				e.KeyManager.Name, registered, published)
		}
		app := Shared(c, fixture.ISApp)
		tok, err := e.IS.ClientCredentials(c.ctx, e.Discovery.TokenEndpoint, app.ConsumerKey, app.ConsumerSecret)
		c.NoErr(err, "get a client_credentials token from IS for application %s", app.Name)
		verified, err := tokens.Verify(c.ctx, e.HTTP, e.Discovery.JWKSURI, tok.AccessToken, published)
		c.NoErr(err, "the IS token does not verify against IS's JWKS %s", e.Discovery.JWKSURI)
		if iss := verified.Claims["iss"]; iss != registered {
			c.Failf("the token's iss %v is not the issuer %q registered for Key Manager %q", iss, registered, e.KeyManager.Name)
		}
	},
}
