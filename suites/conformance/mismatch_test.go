package conformance

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/kmconform/kmconform/harness/tokens"
	"github.com/kmconform/kmconform/harness/topology"
)

var _ = Describe("Key Manager mismatch", Label("mismatch"), func() {
	// The Resident Key Manager's application is subscribed too, so only the API's Key Manager restriction
	// can refuse its token.
	It("a Resident Key Manager token on an API restricted to IS is refused with 401 and 900901", func(ctx SpecContext) {
		capability("km.restriction", func() {
			token, err := env.APIM.ResidentToken(ctx, env.ResidentApp.ConsumerKey, env.ResidentApp.ConsumerSecret)
			expectNoError(err, "get a token from the Resident Key Manager")
			// Positive control: the token is a valid token of the Resident Key Manager, so a refusal below can
			// only come from the API's restriction, not from a broken token.
			_, err = tokens.Verify(ctx, env.HTTP, topology.APIMBase+"/oauth2/jwks", token, topology.APIMBase+"/oauth2/token")
			expectNoError(err, "the Resident Key Manager token does not verify against API-M's own JWKS, so its refusal would prove nothing")
			a, err := env.APIM.CallAPI(ctx, env.APIPath, token)
			expectNoError(err, "call the API with the Resident Key Manager token")
			Expect(a.Status).To(Equal(http.StatusUnauthorized),
				"the gateway answered %s to a Resident Key Manager token on API %s, whose Key Managers are %v: the API's Key Manager restriction is not enforced",
				a.String(), env.API.Name, env.API.KeyManagers)
			Expect(a.Code).To(Equal("900901"), "the gateway refused the token, but with %s instead of code 900901", a.String())
		})
	})
})
