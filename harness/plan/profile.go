package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kmconform/kmconform/harness/matrix"
)

// A Profile is the Key Manager under test: what its documentation has API-M register and how, what it can
// be checked for (capabilities of fixtures/matrix.yaml), what is expected of it per cell, and where each of
// its values comes from. One engine, catalogue and report serve every profile; a check whose capability the
// profile lacks is reported not_supported with the capability named.
type Profile struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	// KMType is the connector type the profile registers in API-M ("" when API-M is optional and absent).
	KMType string `json:"kmType"`
	// KMName is the name the registration gets.
	KMName string `json:"kmName"`
	// Doc says in one sentence what the setup registers and how.
	Doc string `json:"doc"`
	// Targets are the targets the profile runs on (cellrun.Target* values); Up lists those 'kmconform up'
	// can bring up for it.
	Targets []string `json:"targets"`
	Up      []string `json:"up"`
	// APIMOptional: an attached run may leave --apim-url out; only the provider's own checks run then.
	APIMOptional bool `json:"apimOptional,omitempty"`
	// FromDiscovery: the registration is filled from the provider's discovery document at run time.
	FromDiscovery bool `json:"fromDiscovery,omitempty"`
	// DisableResident: the documented setup disables the Resident Key Manager after the registration.
	DisableResident bool `json:"disableResident,omitempty"`
	// capabilities are what the profile can be checked for; nil with except: every capability but except's.
	capabilities []string
	except       string
	// Expectations are the profile's own per-cell expectations (matrix syntax).
	Expectations []matrix.Expectation `json:"expectations,omitempty"`
	// Sources say where the profile's fields come from; Unconfirmed lists what kmconform chose without one.
	Sources     []string `json:"sources"`
	Unconfirmed []string `json:"unconfirmed,omitempty"`
}

// Supports reports whether the profile can be checked for a capability.
func (p *Profile) Supports(capability string) bool {
	if p.capabilities == nil {
		return !strings.HasPrefix(capability, p.except)
	}
	return slices.Contains(p.capabilities, capability)
}

// Capabilities lists what the profile can be checked for, among known (the matrix's capabilities).
func (p *Profile) Capabilities(known []string) []string {
	var out []string
	for _, c := range known {
		if p.Supports(c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// RunsOn reports whether the profile runs on a target.
func (p *Profile) RunsOn(target string) bool { return slices.Contains(p.Targets, target) }

// LackReason says why a capability is not in the profile, for a not_supported verdict.
func (p *Profile) LackReason(capability string) string {
	if p.Name == DefaultProfile {
		return "the generic OIDC checks run with --km-profile oidc (or asgardeo, obkm)"
	}
	return "the " + p.Name + " profile (" + p.Title + ") is checked for " + strings.Join(p.capabilities, ", ")
}

// DefaultProfile is WSO2 IS 7, the documented setup kmconform was first written for.
const DefaultProfile = "wso2-is7"

// Target names (cellrun's), repeated here so that the profiles can say where they run.
const (
	targetOfficial  = "official"
	targetSim       = "sim"
	targetSimDocker = "sim-docker"
	targetAttach    = "attach"
)

// OIDCCapabilities are the generic checks of any OpenID provider (harness/checks/oidc.go).
var OIDCCapabilities = []string{"oidc.discovery", "oidc.token", "oidc.issuer", "oidc.signature", "oidc.introspection",
	"oidc.revocation", "oidc.gateway"}

// Registration names of the profiles.
const (
	OIDCKeyManagerName     = "kmconform-oidc"
	AsgardeoKeyManagerName = "kmconform-asgardeo"
	OBKMKeyManagerName     = "kmconform-obkm"
)

// Connector type strings.
const (
	TypeWSO2IS7  = "WSO2-IS-7"
	TypeCustom   = "Custom"
	TypeAsgardeo = "Asgardeo"
	TypeOBKM     = "ObKeyManager"
)

var profiles = []*Profile{
	{
		Name: DefaultProfile, Title: "WSO2 Identity Server 7.x", KMType: TypeWSO2IS7, KMName: KeyManagerName,
		Doc:     "the documented setup: both products' deployment.toml blocks, the revocation notification JAR, TLS trust, and a WSO2-IS-7 Key Manager with the documented endpoints",
		Targets: []string{targetOfficial, targetSim, targetSimDocker, targetAttach}, Up: []string{targetOfficial, targetSim, targetSimDocker},
		except:  "oidc.",
		Sources: []string{"API-M docs: Configure WSO2 IS 7.x as a Key Manager, per release (fixtures/docs/, fixtures/matrix.yaml)"},
	},
	{
		Name: "oidc", Title: "a generic OpenID provider", KMType: TypeCustom, KMName: OIDCKeyManagerName,
		Doc: "every value from the provider's discovery document (issuer, token, JWKS, introspection, revocation, registration where advertised); " +
			"with an API-M, a Key Manager of type Custom in out-of-band mode (self-validated JWT, the client mapped by its consumer key)",
		Targets: []string{targetAttach, targetSim, targetSimDocker, targetOfficial}, Up: []string{targetSim, targetSimDocker, targetOfficial},
		APIMOptional: true, FromDiscovery: true, capabilities: OIDCCapabilities,
		Expectations: []matrix.Expectation{{IS: "*", APIM: "<4.5.0", Capability: "oidc.gateway", Status: matrix.Unsupported,
			Reason: "API-M documents the Custom Key Manager type for out-of-band provisioning from 4.5 (UNCONFIRMED for 4.3 and 4.4, whose documentation has no such page): no Key Manager is registered",
			Link:   "https://apim.docs.wso2.com/en/4.5.0/administer/key-managers/configure-custom-km-out-of-band/",
			Source: "wso2/docs-apim configure-custom-km-out-of-band.md (4.5 docs)"}},
		Sources: []string{
			"OpenID Connect Discovery 1.0 §3, §4 (the values), RFC 7591 (registration), RFC 7662, RFC 7009",
			"API-M 4.5 docs: Configure a Custom Key Manager for Out-of-Band Provisioning (https://apim.docs.wso2.com/en/4.5.0/administer/key-managers/configure-custom-km-out-of-band/): type Custom, Self Validate JWT, Token Generation and OAuth App Creation off, Out Of Band Provisioning on, the consumer key alone mapped",
			"RFC 9068 §2.2 (client_id in JWT access tokens): the consumer key claim",
		},
		Unconfirmed: []string{
			"type Custom exists from API-M 4.5 only (the page first appears in the 4.5 docs); 4.3 and 4.4 get no registration",
			"consumerKeyClaim client_id (RFC 9068) rather than azp; the docs list both as common values",
		},
	},
	{
		Name: "asgardeo", Title: "Asgardeo (WSO2's identity SaaS)", KMType: TypeAsgardeo, KMName: AsgardeoKeyManagerName,
		Doc: "a Key Manager of type Asgardeo: the organization's well-known URL https://api.asgardeo.io/t/{org}/oauth2/token/.well-known/openid-configuration imported, " +
			"self-validated JWT against the organization's JWKS, and the connector's fields (organization name, the management application's client id and secret, the global scopes API resource, the API resource and roles endpoints)",
		Targets: []string{targetAttach}, Up: []string{targetSim, targetSimDocker},
		FromDiscovery: true, capabilities: OIDCCapabilities,
		Sources: []string{
			"API-M docs: Configure Asgardeo as a Key Manager (wso2/docs-apim en/docs/api-security/key-management/third-party-key-managers/configure-asgardeo-connector.md, commit 429836b1cee2e5eddb8b254c09841e80d39553ec)",
			"wso2-extensions/apim-km-asgardeo v1.0.0 (commit 6224124168eea65982dcaebb89618b8f9636ffa2): AsgardeoConstants (type Asgardeo; org_name, mgmt_client_id, mgmt_client_secret, APIM_GLOBAL_SCOPES, asgardeo_api_resource_management_endpoint, asgardeo_roles_endpoint, asgardeo_role_creation), AsgardeoConnectorConfiguration (required and masked fields), AsgardeoOAuthClient and AsgardeoDCRAuthInterceptor (client_credentials token of the management application, DCR with that bearer token, introspection with its Basic credentials)",
		},
		Unconfirmed: []string{
			"the organization name is a connector field of the Key Manager (org_name) in connector v1.0.0, not a key-generation parameter; kmconform sends it at registration",
			"an earlier docs revision (wso2/docs-apim en/docs/administer/key-managers/configure-asgardeo-connector.md, commit e1fc0086) names an Application Management Endpoint and opaque tokens by default; kmconform follows the connector v1.0.0 fields and self-validated JWT",
			"which API-M releases load connector v1.0.0 (built against carbon-apimgt 9.33.12); kmconform registers it on every API-M version of the matrix",
		},
	},
	{
		Name: "obkm", Title: "the WSO2 Open Banking IS Key Manager", KMType: TypeOBKM, KMName: OBKMKeyManagerName,
		Doc: "a Key Manager of type ObKeyManager with the Open Banking IS endpoints (DCR at /keymanager-operations/dcr/register, userinfo /oauth2/userinfo?schema=openid, IS on port 9446 by default), " +
			"Self Validate JWT with the JWT token-handling option, a claim mapping, the admin's Username and Password; then the Resident Key Manager disabled",
		Targets: []string{targetSim, targetSimDocker, targetAttach}, Up: []string{targetSim, targetSimDocker},
		DisableResident: true,
		// Not issuer, km.restriction and the Resident Key Manager's checks: the setup disables it, as documented.
		capabilities: append([]string{"grant.client_credentials", "revocation.notify"}, OIDCCapabilities...),
		Sources: []string{
			"WSO2 Open Banking docs: Dynamic Client Registration, Step 2 Configure IS as Key Manager (wso2/docs-open-banking en/docs/get-started/dynamic-client-registration.md, commit 08c742d4b26865ebfb8b466e0be598798fbe8a0a): type ObKeyManager, the endpoint table on <IS_HOST>:9446, Username and Password, Token Validation Method, Token Handling Options REFERENCE/JWT/CUSTOM, Claim Mappings, then disable the Resident Key Manager",
			"API-M admin REST API v4 KeyManager schema (tokenValidation {id, enable, type REFERENCE|JWT|CUSTOM, value}, claimMapping {remoteClaim, localClaim})",
		},
		Unconfirmed: []string{
			"the connector's fields: the docs list Username and Password; that both are required (the successor fsKeyManager of wso2/financial-services-accelerator declares them required, Password masked) is assumed for ObKeyManager",
			"the claim mapping http://idp.org/username -> http://wso2.org/username (a WSO2 Open Banking toolkit test posts it; its repository was not identified)",
			"the REFERENCE option's regular expression is the docs' UUID example and is registered disabled; CUSTOM is not registered (it needs a value the docs do not give)",
			"the simulator's IS plays the Open Banking IS on 9443: the default port 9446 is recorded, the cell's IS address is registered",
		},
	},
}

// Profiles lists every profile, the default first.
func Profiles() []*Profile { return slices.Clone(profiles) }

// ProfileNames lists the profile names.
func ProfileNames() []string {
	var out []string
	for _, p := range profiles {
		out = append(out, p.Name)
	}
	return out
}

// ProfileNamed returns a profile ("" is the default); an unknown name is one sentence that lists the known.
func ProfileNamed(name string) (*Profile, error) {
	if name == "" {
		name = DefaultProfile
	}
	for _, p := range profiles {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, fmt.Errorf("unknown Key Manager profile %q: kmconform knows %s", name, strings.Join(ProfileNames(), ", "))
}

// AsgardeoSimOrganization is the organization the simulator's IS plays for the asgardeo profile.
const AsgardeoSimOrganization = "kmconform"

// OBKMDefaultBase is the Open Banking IS's address in its documentation: IS runs with a port offset of 3.
const OBKMDefaultBase = "https://<IS_HOST>:9446"

// OBKMGrantTypes are the grant types the Open Banking docs ask the Key Manager to list.
var OBKMGrantTypes = []string{"client_credentials", "authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:jwt-bearer"}

// OBKMReferenceRegex is the docs' example of the REFERENCE token-handling option (a UUID).
const OBKMReferenceRegex = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"
