package faults

import "github.com/kmconform/kmconform/harness/plan"

// DiscoveredUserInfo is the UserInfo endpoint API-M's discover import fills in for IS 7 (its discovery
// document's userinfo_endpoint), which IS refuses for API tokens without openid.
const DiscoveredUserInfo = plan.ISBase + "/oauth2/userinfo"

func init() { register(keyManagerFaults...) }

// keyManagerFaults are the faults of the keymanager area (Key Manager administration, key generation and
// the application lifecycle through the Key Manager) and of the lifecycle revocation checks.
var keyManagerFaults = []Fault{
	// Setup faults.
	// userinfo-from-discovery, which keymanager.discover-import also declares, lives with the setup faults.

	// Product faults of API-M's admin REST API.
	{Name: "apim-km-password-unmasked", Kind: Product, Product: "apim",
		Doc: "GET /key-managers/{id} returns the stored connector Password instead of *****"},
	{Name: "apim-km-mask-overwrites-password", Kind: Product, Product: "apim",
		Doc: "a Key Manager PUT that sends the masked ***** stores it as the new Password"},
	{Name: "apim-km-delete-in-use", Kind: Product, Product: "apim",
		Doc: "DELETE /key-managers/{id} answers 200 and deletes a Key Manager applications still have keys at"},
	{Name: "apim-km-duplicate-name-accepted", Kind: Product, Product: "apim",
		Doc: "POST /key-managers stores a second Key Manager with a name that already exists"},
	{Name: "apim-km-required-field-not-enforced", Kind: Product, Product: "apim",
		Doc: "a WSO2-IS-7 Key Manager without a required connector field is stored instead of refused with 901401"},
	{Name: "apim-km-mtls-without-identity-user", Kind: Product, Product: "apim",
		Doc: "a WSO2-IS-7 configuration with Authentication MutualTLS is stored without its credentials: no IdentityUser (4.6+), no Username/Password (before 4.6)"},
	{Name: "apim-discover-userinfo-scim2-me", Kind: Product, Product: "apim",
		Doc: "the discover import fills userInfoEndpoint with …/scim2/Me instead of the discovery document's userinfo_endpoint"},
	{Name: "apim-km-drops-token-type", Kind: Product, Product: "apim",
		Doc: "a Key Manager's tokenType (EXCHANGED, BOTH) is not stored: it comes back DIRECT"},
	{Name: "apim-admin-scope-not-enforced", Kind: Product, Product: "apim",
		Doc: "the admin REST API accepts a token of the admin that lacks apim:admin and apim:admin_operations"},

	// Product faults of key generation and the gateway's view of Key Managers.
	{Name: "apim-km-registry-lag", Kind: Product, Product: "apim",
		Doc: "a Key Manager reaches the key-generation path 2 s after its registration; an earlier key generation fails with 500 and leaves its key mapping behind"},
	{Name: "apim-gateway-keeps-disabled-km", Kind: Product, Product: "apim",
		Doc: "disabling a Key Manager does not reach the gateway, which keeps validating its tokens"},
	{Name: "apim-keygen-on-disabled-km", Kind: Product, Product: "apim",
		Doc: "generate-keys creates an OAuth client at a disabled Key Manager instead of refusing with 901403"},
	{Name: "apim-keygen-hangs-on-unreachable-km", Kind: Product, Product: "apim",
		Doc: "generate-keys at a Key Manager that cannot be reached answers only after 30 s"},
	{Name: "apim-keygen-ignores-oauth-app-creation", Kind: Product, Product: "apim",
		Doc: "generate-keys registers an OAuth client at a Key Manager whose enableOAuthAppCreation is false instead of refusing with 901405"},
	{Name: "apim-keygen-ignores-km-permissions", Kind: Product, Product: "apim",
		Doc: "generate-keys ignores a Key Manager's permissions: a role it denies still gets keys (also when the Key Manager is named by UUID)"},
	{Name: "apim-keygen-drops-unlisted-grants", Kind: Product, Product: "apim",
		Doc: "generate-keys silently drops the grant types the Key Manager does not list from the OAuth client it registers"},
	{Name: "apim-km-issuer-first-wins", Kind: Product, Product: "apim",
		Doc: "the gateway keeps the first registered Key Manager of an issuer instead of the last"},

	// Product faults of the application lifecycle through the Key Manager.
	{Name: "apim-sandbox-key-to-production", Kind: Product, Product: "apim",
		Doc: "the gateway sends calls made with SANDBOX keys to the API's production endpoint"},
	{Name: "apim-keys-update-not-sent-to-is", Kind: Product, Product: "apim",
		Doc: "PUT …/oauth-keys/{keyMappingId} stores the new grant types and callback URL in API-M without updating the OAuth client at the Key Manager"},
	{Name: "apim-regenerate-secret-not-at-is", Kind: Product, Product: "apim",
		Doc: "regenerate-secret at a WSO2-IS-7 Key Manager answers a new consumer secret that the Key Manager never received"},
	{Name: "apim-app-delete-keeps-is-client", Kind: Product, Product: "apim",
		Doc: "deleting an application does not delete its OAuth clients at the Key Manager"},
	{Name: "apim-gateway-keeps-deleted-app", Kind: Product, Product: "apim",
		Doc: "the gateway keeps a deleted application's key mappings and subscriptions and goes on accepting its tokens"},
	{Name: "is-dcr-delete-keeps-tokens", Kind: Product, Product: "is",
		Doc: "IS deletes an OAuth client on DCR DELETE but its access tokens stay active at introspection"},
}
