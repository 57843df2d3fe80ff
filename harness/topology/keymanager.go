package topology

import (
	"context"
	"fmt"

	"github.com/kmconform/kmconform/harness/intervals"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/wso2am"
)

// ISGrantTypes are the grant types the API-M documentation lists for the WSO2 IS 7 Key Manager.
var ISGrantTypes = []string{
	"password", "client_credentials", "refresh_token", "urn:ietf:params:oauth:grant-type:saml2-bearer",
	"iwa:ntlm", "urn:ietf:params:oauth:grant-type:device_code", "authorization_code",
	"urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:token-exchange",
}

// KeyManagerPayload is the documented WSO2-IS-7 registration for one API-M version. Endpoints are the
// documented values under IS's network name, not values read back from IS, so that the issuer check
// compares the documentation with what IS really publishes.
func KeyManagerPayload(am matrix.APIM, issuer string) *wso2am.KeyManager {
	props := map[string]any{
		"Username":          defaultAdminUser,
		"Password":          defaultAdminPassword,
		"self_validate_jwt": true,
		// Required from connector 2.0.3 (API-M 4.4); older connectors store unknown keys as they are.
		"api_resource_management_endpoint": ISBase + "/api/server/v1/api-resources",
		"is7_roles_endpoint":               ISBase + "/scim2/v2/Roles",
	}
	if am.AuthenticationBlock {
		props["Authentication"] = "BasicAuth"
	}
	if am.RolesCreation {
		// The connector reads this flag only as a JSON boolean.
		props["enable_roles_creation"] = false
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

// documentedIssuer is the issuer the documentation gives for IS under its network name.
const documentedIssuer = ISBase + "/oauth2/token"

// wrongIssuer is IS's out-of-the-box issuer: what a copy of the defaults registers.
const wrongIssuer = "https://localhost:9443/oauth2/token"

func registerKeyManager(ctx context.Context, r *run) error {
	issuer := documentedIssuer
	if r.opt.Faults[FaultWrongIssuer] {
		issuer = wrongIssuer
		fmt.Fprintf(r.opt.Progress, "  fault %s: registering issuer %s\n", FaultWrongIssuer, issuer)
	}
	created, err := r.env.APIM.CreateKeyManager(ctx, KeyManagerPayload(r.opt.Cell.APIM, issuer))
	if err != nil {
		return err
	}
	// Read it back: the specs check what API-M stored, not what the harness sent.
	km, err := r.env.APIM.GetKeyManager(ctx, created.ID)
	if err != nil {
		return err
	}
	r.env.KeyManager = km
	// API-M propagates a new Key Manager asynchronously; key generation against one the devportal does not
	// list yet can fail and leave a key mapping behind that makes every retry a 409 (WSO2's own suite).
	return waitUntil(ctx, r, "Key Manager "+km.Name+" listed by the devportal", intervals.Get(intervals.GatewayPropagation), func() (bool, string) {
		kms, err := r.env.APIM.DevportalKeyManagers(ctx)
		if err != nil {
			return false, err.Error()
		}
		for _, k := range kms {
			if k.Name == km.Name {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d Key Managers listed, not yet %s", len(kms), km.Name)
	})
}
