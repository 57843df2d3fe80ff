package faults

import "github.com/kmconform/kmconform/harness/plan"

// WrongIssuer is IS's out-of-the-box issuer: what a copy of the defaults registers.
const WrongIssuer = "https://localhost:9443/oauth2/token"

func init() { register(baseFaults...) }

// baseFaults are the faults of the base setup and of the first checks. Each area adds its own in a file
// of its own (faults_<area>.go). Keep each Doc one sentence: 'kmconform specs' prints it.
var baseFaults = []Fault{
	// Setup faults: mistakes in the documented setup.
	{Name: "wrong-issuer", Kind: Setup,
		Doc:   "registers the Key Manager with IS's default issuer (localhost) instead of the one IS publishes",
		apply: func(p *plan.Plan) { p.KeyManager.Issuer = WrongIssuer }},
	{Name: "no-jar", Kind: Setup,
		Doc:   "leaves the notification handler JAR out of IS's dropins",
		apply: func(p *plan.Plan) { p.PlaceJAR = false }},
	{Name: "no-event-listener", Kind: Setup,
		Doc:   "leaves the token_revocation [[event_listener]] block out of IS's deployment.toml",
		apply: func(p *plan.Plan) { p.IS.EventListener = false }},
	{Name: "no-trust", Kind: Setup,
		Doc:   "leaves the run's CA out of API-M's client trust store, so API-M does not trust IS",
		apply: func(p *plan.Plan) { p.Trust.APIMTrustsIS = false }},
	{Name: "open-api", Kind: Setup,
		Doc:   "publishes the API open to every Key Manager ([\"all\"]) instead of restricting it to IS",
		apply: func(p *plan.Plan) { p.API["keyManagers"] = []string{"all"} }},

	// Product faults: regressions the simulator plays on request.
	{Name: "is-sign-with-unpublished-key", Kind: Product, Product: "is",
		Doc: "IS signs JWT access tokens with a key its JWKS does not publish"},
	{Name: "is-token-iss-mismatch", Kind: Product, Product: "is",
		Doc: "IS writes an iss into JWT access tokens that differs from the issuer its discovery document publishes"},
	{Name: "apim-notify-ignores-revocation", Kind: Product, Product: "apim",
		Doc: "API-M's /internal/data/v1/notify answers 200 to a token_revocation event but does not act on it"},
	{Name: "gateway-ignores-km-restriction", Kind: Product, Product: "apim",
		Doc: "the gateway accepts a JWT of any registered Key Manager, whatever the API's keyManagers list says"},
}
