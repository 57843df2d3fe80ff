package faults

func init() { register(rolesFaults...) }

// rolesFaults are the regressions the roles-and-scopes checks guard against.
var rolesFaults = []Fault{
	{"gateway-skips-scope-validation", "apim", "the gateway accepts a token that lacks every scope the resource requires"},
	{"connector-roles-under-apim-name", "apim", "the WSO2-IS-7 connector creates a missing bound role in IS under its API-M name (Internal/X, X) although enable_roles_creation is on"},
	{"connector-skips-scope-registration", "apim", "the WSO2-IS-7 connector does not register API and shared scopes at IS"},
	{"apim-shared-scope-requires-description", "apim", "the publisher refuses a shared scope without a description with 400"},
	{"is-grants-scope-without-role", "is", "IS grants an API-resource scope to a user token although none of the user's roles holds it"},
}
