package faults

import "github.com/kmconform/kmconform/harness/plan"

func init() { register(rolesFaults...) }

// rolesFaults are the roles-and-scopes area's faults.
var rolesFaults = []Fault{
	// Setup fault: the checkbox set over REST with a string, which the connector does not read (apim-km-wso2is
	// v2.0.4 WSO2IS7KeyManager.loadConfiguration: enable_roles_creation is read only as a JSON Boolean).
	{Name: "roles-creation-as-string", Kind: Setup,
		Doc: "registers the Key Manager with enable_roles_creation as the string \"true\" instead of the JSON boolean true",
		apply: func(p *plan.Plan) {
			if p.KeyManager != nil && p.KeyManager.AdditionalProperties != nil {
				p.KeyManager.AdditionalProperties["enable_roles_creation"] = "true"
			}
		}},

	// Product faults (same names as sim/faults/faults_roles.go).
	{Name: "gateway-skips-scope-validation", Kind: Product, Product: "apim",
		Doc: "the gateway accepts a token that lacks every scope the resource requires"},
	{Name: "connector-roles-under-apim-name", Kind: Product, Product: "apim",
		Doc: "the WSO2-IS-7 connector creates a missing bound role in IS under its API-M name although enable_roles_creation is on"},
	{Name: "connector-skips-scope-registration", Kind: Product, Product: "apim",
		Doc: "the WSO2-IS-7 connector does not register API and shared scopes at IS"},
	{Name: "apim-shared-scope-requires-description", Kind: Product, Product: "apim",
		Doc: "the publisher refuses a shared scope without a description with 400"},
	{Name: "is-grants-scope-without-role", Kind: Product, Product: "is",
		Doc: "IS grants an API-resource scope to a user token although none of the user's roles holds it"},
}
