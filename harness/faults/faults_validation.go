package faults

import "github.com/kmconform/kmconform/harness/plan"

func init() { register(validationFaults...) }

// validationFaults are the faults of the token-validation-mode checks (area validation).
var validationFaults = []Fault{
	{Name: "km-self-validation-off", Kind: Setup,
		Doc: "registers the IS Key Manager with enableSelfValidationJWT=false (introspection), so IS's JWTs are introspected and revocations wait for the introspection cache",
		apply: func(p *plan.Plan) {
			p.KeyManager.EnableSelfValidationJWT = false
			p.KeyManager.AdditionalProperties["self_validate_jwt"] = false
		}},
	{Name: "pem-tls-certificate", Kind: Setup,
		Doc:   "registers IS's TLS certificate instead of its token-signing certificate for a Key Manager in PEM mode (wso2/product-apim integration-v2 is7-key-manager-integration-plan.md)",
		apply: func(p *plan.Plan) { p.PEMCertificate = plan.PEMFromTLS }},

	{Name: "gateway-introspection-ignores-inactive", Kind: Product, Product: "apim",
		Doc: "the gateway's key-validation path takes an introspection answer active:false as a valid token"},
	{Name: "gateway-pem-accepts-any-signature", Kind: Product, Product: "apim",
		Doc: "the gateway does not verify the signature of a JWT whose Key Manager is registered with a PEM certificate"},
}
