package conformance

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmconform/kmconform/harness/tokens"
)

var _ = Describe("Issuer", Label("issuer"), func() {
	// OIDC Discovery 1.0 §4.3: the issuer in the discovery document is the token's iss. API-M picks the Key
	// Manager of a JWT by iss, so the registered issuer must be that value too.
	It("agrees between IS discovery, the registered Key Manager and the token, which verifies against IS JWKS [OIDC Discovery §4.3, RFC 9068 §4]", func(ctx SpecContext) {
		capability("issuer", func() {
			published, registered := env.Discovery.Issuer, env.KeyManager.Issuer
			Expect(registered).To(Equal(published),
				"Key Manager %q is registered in API-M with issuer %q, but IS publishes issuer %q in its discovery document: API-M will not match IS's tokens to this Key Manager",
				env.KeyManager.Name, registered, published)

			tok, err := env.IS.ClientCredentials(ctx, env.Discovery.TokenEndpoint, env.ISApp.ConsumerKey, env.ISApp.ConsumerSecret)
			expectNoError(err, "get a client_credentials token from IS for application %s", env.ISApp.AppID)
			verified, err := tokens.Verify(ctx, env.HTTP, env.Discovery.JWKSURI, tok.AccessToken, published)
			expectNoError(err, "the IS token does not verify against IS's JWKS %s", env.Discovery.JWKSURI)
			Expect(verified.Claims["iss"]).To(Equal(registered),
				"the token's iss is not the issuer registered for Key Manager %q", env.KeyManager.Name)
		})
	})
})
