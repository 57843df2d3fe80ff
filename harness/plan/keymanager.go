package plan

import (
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/wso2am"
)

// ISGrantTypes are the grant types the API-M documentation lists for the WSO2 IS 7 Key Manager.
var ISGrantTypes = []string{
	"password", "client_credentials", "refresh_token", "urn:ietf:params:oauth:grant-type:saml2-bearer",
	"iwa:ntlm", "urn:ietf:params:oauth:grant-type:device_code", "authorization_code",
	"urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:token-exchange",
}

// DocumentedIssuer is the issuer the documentation gives for IS under its network name.
const DocumentedIssuer = ISBase + "/oauth2/token"

// KeyManagerPayload is the documented WSO2-IS-7 registration for one API-M version. Endpoints are the
// documented values under IS's network name, not values read back from IS, so that the issuer check
// compares the documentation with what IS really publishes.
func KeyManagerPayload(am matrix.APIM, issuer string) *wso2am.KeyManager {
	props := map[string]any{
		"Username":          AdminUser,
		"Password":          AdminPassword,
		"self_validate_jwt": true,
		// Required from connector 2.0.3 (API-M 4.4); older connectors store unknown keys as they are.
		"api_resource_management_endpoint": ISBase + "/api/server/v1/api-resources",
		"is7_roles_endpoint":               ISBase + "/scim2/v2/Roles",
	}
	if am.AuthenticationBlock {
		props["Authentication"] = "BasicAuth"
	}
	if am.RolesCreation {
		// "Create roles in WSO2 Identity Server 7" (API-M 4.4 docs, from 4.4.0.5; connector 2.0.4+): on, as in WSO2's own
		// known-good payload (integration-v2 wso2is7.json) and as the IS side of the documented setup assumes
		// ([role_mgt] allow_system_prefix_for_role "for role creation", API-M 4.4 docs). Only the Key
		// Manager registered for IS's issuer can create the roles: API-M registers a scope at a Key Manager
		// only when that Key Manager does not have it yet, so a second registration on the same IS would never
		// see a new scope (carbon-apimgt APIProviderImpl, isScopeExists before registerScope).
		// The connector reads this flag only as a JSON boolean (apim-km-wso2is v2.0.4 loadConfiguration).
		props["enable_roles_creation"] = true
	}
	return &wso2am.KeyManager{
		Name:                       KeyManagerName,
		DisplayName:                "WSO2 Identity Server 7 (kmconform)",
		Type:                       "WSO2-IS-7",
		Description:                "WSO2 Identity Server 7 registered by kmconform",
		Issuer:                     issuer,
		WellKnownEndpoint:          ISBase + "/oauth2/token/.well-known/openid-configuration",
		ClientRegistrationEndpoint: ISBase + "/api/identity/oauth2/dcr/v1.1/register",
		IntrospectionEndpoint:      ISBase + "/oauth2/introspect",
		TokenEndpoint:              ISBase + "/oauth2/token",
		RevokeEndpoint:             ISBase + "/oauth2/revoke",
		// Not /oauth2/userinfo: API tokens lack the openid scope, so API-M must read /scim2/Me.
		UserInfoEndpoint:           ISBase + "/scim2/Me",
		AuthorizeEndpoint:          ISBase + "/oauth2/authorize",
		ScopeManagementEndpoint:    ISBase + "/api/identity/oauth2/v1.0/scopes",
		Certificates:               &wso2am.Certificates{Type: "JWKS", Value: ISBase + "/oauth2/jwks"},
		AvailableGrantTypes:        ISGrantTypes,
		ConsumerKeyClaim:           "azp",
		ScopesClaim:                "scope",
		Enabled:                    true,
		EnableTokenGeneration:      true,
		EnableOAuthAppCreation:     true,
		EnableMapOAuthConsumerApps: true,
		EnableSelfValidationJWT:    true,
		TokenType:                  "DIRECT",
		AdditionalProperties:       props,
	}
}
