package faults

func init() { register(mismatchFaults...) }

// mismatchFaults are the gateway regressions the Key Manager / token mismatch checks guard against.
var mismatchFaults = []Fault{
	{"gateway-skips-jwt-signature", "apim", "the gateway's JWT path accepts a self-validated JWT without verifying its signature"},
	{"gateway-token-cache-by-jti", "apim", "the gateway token cache answers for any token carrying a cached jti, without comparing the token itself"},
	{"gateway-ignores-token-expiry", "apim", "the gateway's JWT path accepts a JWT whose exp has passed"},
	{"gateway-trusts-unknown-issuer", "apim", "the gateway accepts a JWT whose iss matches no Key Manager on its claims (consumer key from azp) without validating it"},
	{"gateway-skips-subscription-check", "apim", "the gateway's JWT path accepts a valid token of an application with no subscription to the API"},
	{"gateway-opaque-ignores-km-restriction", "apim", "the key-validation path (opaque tokens) elects the first Key Manager of the tenant, whatever the API's keyManagers list says"},
	{"gateway-ignores-consumer-key-claim", "apim", "the gateway reads the consumer key from azp whatever the Key Manager's consumerKeyClaim says"},
}
