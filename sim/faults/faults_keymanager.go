package faults

func init() { register(keyManagerFaults...) }

// keyManagerFaults are the regressions the keymanager checks (Key Manager administration, key generation,
// the application lifecycle) and the lifecycle revocation checks prove they catch.
var keyManagerFaults = []Fault{
	{"apim-km-password-unmasked", "apim", "GET /key-managers/{id} returns the stored connector Password instead of *****"},
	{"apim-km-mask-overwrites-password", "apim", "a Key Manager PUT that sends ***** stores it as the new Password"},
	{"apim-km-delete-in-use", "apim", "DELETE /key-managers/{id} skips the in-use guard (no 412/902015)"},
	{"apim-km-duplicate-name-accepted", "apim", "POST /key-managers skips the duplicate-name check (no 409/901402)"},
	{"apim-km-required-field-not-enforced", "apim", "a WSO2-IS-7 Key Manager missing a required connector field is stored (no 400/901401)"},
	{"apim-km-mtls-without-identity-user", "apim", "a configuration with Authentication MutualTLS passes validation without its credentials: without IdentityUser (4.6+), without Username/Password (before 4.6)"},
	{"apim-discover-userinfo-scim2-me", "apim", "the discover import fills userInfoEndpoint with <issuer host>/scim2/Me instead of userinfo_endpoint"},
	{"apim-km-drops-token-type", "apim", "tokenType is not stored: every Key Manager comes back DIRECT"},
	{"apim-admin-scope-not-enforced", "apim", "/api/am/admin accepts an admin token without apim:admin or apim:admin_operations"},
	{"apim-km-registry-lag", "apim", "generate-keys within 2 s of a Key Manager's registration fails with 500 after writing the key mapping"},
	{"apim-gateway-keeps-disabled-km", "apim", "a PUT that disables a Key Manager leaves the gateway's issuer map as it was"},
	{"apim-keygen-on-disabled-km", "apim", "generate-keys skips the enabled check (no 400/901403 for a disabled Key Manager)"},
	{"apim-keygen-hangs-on-unreachable-km", "apim", "generate-keys waits 30 s after failing to connect to the Key Manager before answering"},
	{"apim-keygen-ignores-oauth-app-creation", "apim", "generate-keys skips the enableOAuthAppCreation check (no 400/901405) and calls DCR"},
	{"apim-keygen-ignores-km-permissions", "apim", "generate-keys skips the Key Manager's permissions (no 403/902013 for a denied role, even by UUID)"},
	{"apim-keygen-drops-unlisted-grants", "apim", "generate-keys drops the grant types the Key Manager does not list from the DCR request"},
	{"apim-km-issuer-first-wins", "apim", "the gateway's issuer map keeps the first Key Manager registered with an issuer"},
	{"apim-sandbox-key-to-production", "apim", "the gateway proxies SANDBOX-key calls to the production endpoint"},
	{"apim-keys-update-not-sent-to-is", "apim", "PUT …/oauth-keys/{keyMappingId} updates the key mapping without the connector's DCR PUT"},
	{"apim-regenerate-secret-not-at-is", "apim", "regenerate-secret at a WSO2-IS-7 Key Manager answers (and stores) a random secret IS never got"},
	{"apim-app-delete-keeps-is-client", "apim", "application delete skips the connector's DCR DELETE"},
	{"apim-gateway-keeps-deleted-app", "apim", "the gateway's subscription view keeps a deleted application's key mappings and subscriptions"},
	{"is-dcr-delete-keeps-tokens", "is", "DCR DELETE removes the client but leaves its access and refresh tokens active"},
}
