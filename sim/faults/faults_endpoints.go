package faults

func init() { register(endpointsFaults...) }

// endpointsFaults are the regressions of IS's endpoints and issuer that kmconform's endpoints and issuer
// checks must catch (one behaviour each; implemented in sim/is, documented in sim/README.md).
var endpointsFaults = []Fault{
	{"is-discovery-omits-grant", "is", "discovery's grant_types_supported leaves out urn:ietf:params:oauth:grant-type:jwt-bearer (the grant still works)"},
	{"is-token-response-cacheable", "is", "token endpoint successes lack Cache-Control: no-store and Pragma: no-cache"},
	{"is-token-ignores-app-grants", "is", "the token endpoint skips the check that the application is registered with the grant type (no unauthorized_client)"},
	{"is-authorize-open-redirect", "is", "the authorize endpoint accepts a redirect_uri the application did not register and redirects there with the code"},
	{"is-introspect-revoked-active", "is", "introspection answers active:true for a revoked access token"},
	{"is-revoke-unknown-token-error", "is", "revocation answers 400 invalid_request for an unknown token instead of 200"},
	{"is-scim-me-ignores-rule", "is", "GET /scim2/Me ignores deployment.toml's [[resource.access_control]] entries (the default internal_login rule applies)"},
	{"is-jwks-drops-kid", "is", "the JWKS entries carry no kid"},
	{"is-dcr-duplicate-409", "is", "DCR answers 409 with the same body instead of 400 invalid_client_metadata to a duplicate client_name"},
	{"is-scope-delete-ignored", "is", "the OAuth2 scopes API answers 204 to DELETE /scopes/name/{n} but keeps the scope"},
	{"is-roles-search-ignores-filter", "is", "POST /scim2/v2/Roles/.search ignores the filter and lists every role"},
	{"is-apiresource-patch-drops-scopes", "is", "PATCH /api/server/v1/api-resources/{id} answers 204 but ignores addedScopes"},
	{"is-apiresource-scope-patch-ignored", "is", "PATCH /api/server/v1/api-resources/{id}/scopes/{name} answers 204 but changes nothing"},
	{"is-token-iss-flips", "is", "every other JWT access token carries the tenant-qualified issuer (…/t/carbon.super/oauth2/token)"},
	{"is-discovery-omits-jwks-uri", "is", "the discovery document leaves out jwks_uri (the JWKS endpoint itself still answers)"},
}
