package faults

func init() { register(mismatchFaults...) }

// mismatchFaults are the Key Manager / token mismatch area's faults: gateway regressions the simulator
// plays (kind Product, same names as sim/faults/faults_mismatch.go).
var mismatchFaults = []Fault{
	{Name: "gateway-skips-jwt-signature", Kind: Product, Product: "apim",
		Doc: "the gateway's JWT path accepts a self-validated JWT without verifying its signature"},
	{Name: "gateway-token-cache-by-jti", Kind: Product, Product: "apim",
		Doc: "the gateway token cache answers for any token carrying a cached jti, without comparing the token itself"},
	{Name: "gateway-ignores-token-expiry", Kind: Product, Product: "apim",
		Doc: "the gateway's JWT path accepts a JWT whose exp has passed"},
	{Name: "gateway-trusts-unknown-issuer", Kind: Product, Product: "apim",
		Doc: "the gateway accepts a JWT whose iss matches no Key Manager on its claims, without validating it"},
	{Name: "gateway-skips-subscription-check", Kind: Product, Product: "apim",
		Doc: "the gateway's JWT path accepts a valid token of an application with no subscription to the API"},
	{Name: "gateway-opaque-ignores-km-restriction", Kind: Product, Product: "apim",
		Doc: "the key-validation path (opaque tokens) elects the tenant's first Key Manager, whatever the API's keyManagers list says"},
	{Name: "gateway-ignores-consumer-key-claim", Kind: Product, Product: "apim",
		Doc: "the gateway reads the consumer key from azp whatever the Key Manager's consumerKeyClaim says"},
}
