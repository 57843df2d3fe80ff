package faults

import (
	"github.com/kmconform/kmconform/harness/plan"
)

// ResidentIssuer is the issuer of API-M's Resident Key Manager under API-M's network name: what a user
// who copies API-M's own token endpoint into the IS Key Manager registers.
const ResidentIssuer = plan.APIMBase + "/oauth2/token"

// DuplicateKeyManagerName is the second Key Manager fault duplicate-issuer-km registers.
const DuplicateKeyManagerName = plan.KeyManagerName + "-old"

func init() { register(endpointsFaults...) }

// endpointsFaults are the faults of the endpoints and issuer areas (harness/checks/endpoints.go, issuer.go).
var endpointsFaults = []Fault{
	// Setup faults.
	// no-scim2-me-rule and userinfo-from-discovery, which endpoints.userinfo also declares, live with the
	// setup faults (faults_setup.go).
	{Name: "resident-issuer", Kind: Setup,
		Doc:   "registers the IS Key Manager with API-M's own (Resident Key Manager) issuer",
		apply: func(p *plan.Plan) { p.KeyManager.Issuer = ResidentIssuer }},
	{Name: "duplicate-issuer-km", Kind: Setup,
		Doc: "leaves an earlier registration of IS (another Key Manager with IS's issuer) enabled in API-M",
		apply: func(p *plan.Plan) {
			old := plan.KeyManagerPayload(p.Cell.APIM, p.KeyManager.Issuer)
			old.Name, old.DisplayName = DuplicateKeyManagerName, "WSO2 Identity Server 7 (earlier registration)"
			p.ExtraKeyManagers = append(p.ExtraKeyManagers, old)
		}},

	// Product faults of IS, one behaviour each.
	{Name: "is-discovery-omits-grant", Kind: Product, Product: "is",
		Doc: "IS's discovery document leaves urn:ietf:params:oauth:grant-type:jwt-bearer out of grant_types_supported"},
	{Name: "is-token-response-cacheable", Kind: Product, Product: "is",
		Doc: "IS's token endpoint answers a token without Cache-Control: no-store and Pragma: no-cache"},
	{Name: "is-token-ignores-app-grants", Kind: Product, Product: "is",
		Doc: "IS issues tokens for grant types the application is not registered with"},
	{Name: "is-authorize-open-redirect", Kind: Product, Product: "is",
		Doc: "IS's authorize endpoint accepts a redirect_uri the application did not register and sends the code there"},
	{Name: "is-introspect-revoked-active", Kind: Product, Product: "is",
		Doc: "IS's introspection answers active:true for a revoked access token"},
	{Name: "is-revoke-unknown-token-error", Kind: Product, Product: "is",
		Doc: "IS's revocation endpoint answers 400 invalid_request for a token it does not know instead of 200"},
	{Name: "is-scim-me-ignores-rule", Kind: Product, Product: "is",
		Doc: "IS ignores deployment.toml's [[resource.access_control]] entry for /scim2/Me and keeps requiring internal_login"},
	{Name: "is-jwks-drops-kid", Kind: Product, Product: "is",
		Doc: "IS's JWKS publishes its keys without kid"},
	{Name: "is-dcr-duplicate-409", Kind: Product, Product: "is",
		Doc: "IS's DCR answers 409 instead of 400 invalid_client_metadata to a duplicate client_name"},
	{Name: "is-scope-delete-ignored", Kind: Product, Product: "is",
		Doc: "IS's OAuth2 scopes API answers 204 to DELETE but keeps the scope"},
	{Name: "is-roles-search-ignores-filter", Kind: Product, Product: "is",
		Doc: "IS's POST /scim2/v2/Roles/.search ignores the filter and lists every role"},
	{Name: "is-apiresource-patch-drops-scopes", Kind: Product, Product: "is",
		Doc: "IS's PATCH /api/server/v1/api-resources/{id} answers 204 but does not add addedScopes"},
	{Name: "is-apiresource-scope-patch-ignored", Kind: Product, Product: "is",
		Doc: "IS's PATCH /api/server/v1/api-resources/{id}/scopes/{name} answers 204 but keeps the scope unchanged"},
	{Name: "is-token-iss-flips", Kind: Product, Product: "is",
		Doc: "IS writes the tenant-qualified issuer into every other JWT access token (the intermittent flip of product-is#26522)"},
	// oidc area (harness/checks/oidc.go).
	{Name: "is-discovery-omits-jwks-uri", Kind: Product, Product: "is",
		Doc: "IS's discovery document leaves out jwks_uri, which OpenID Connect Discovery 1.0 §3 requires"},
}
