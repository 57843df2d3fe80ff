package plan

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/wso2am"
)

// Artifact is a product artifact a profile's documentation installs beside the base setup: a Key Manager
// connector JAR in API-M's dropins, a webapp in IS. On the simulator targets the plan writes a stand-in,
// named as such, that holds the entry the simulator looks for (never loadable code); on a pair kmconform did
// not start, the artifact is the product's own.
type Artifact struct {
	Node    string             `json:"node"`
	Product containers.Product `json:"product"`
	Path    string             `json:"path"`
	// Entry is the class or resource inside the archive that makes the product load it.
	Entry   string `json:"entry"`
	Doc     string `json:"doc"`
	Content []byte `json:"-"`
}

// Where the products load connectors and webapps from.
const (
	APIMDropinsDir = "repository/components/dropins/"
	ISWebappsDir   = "repository/deployment/server/webapps/"
)

// The entries the simulator recognises an artifact by (sim/CONTRACT.md).
const (
	// AsgardeoConnectorEntry is the connector configuration class of wso2-extensions/apim-km-asgardeo.
	AsgardeoConnectorEntry = "org/wso2/asgardeo/client/AsgardeoConnectorConfiguration.class"
	// OBKMConnectorEntry is the Open Banking Key Manager's connector configuration class. UNCONFIRMED: the
	// package com.wso2.openbanking.accelerator.keymanager is the OB accelerator's (OBKeyManagerExtensionInterface);
	// the class name is kmconform's choice.
	OBKMConnectorEntry = "com/wso2/openbanking/accelerator/keymanager/OBKeyManagerConfiguration.class"
	// KeyManagerOperationsEntry marks the keymanager-operations webapp (/keymanager-operations/dcr/register).
	KeyManagerOperationsEntry = "WEB-INF/web.xml"
	KeyManagerOperationsWAR   = "keymanager-operations.war"
)

// standIn is a deterministic zip holding a manifest marked as kmconform's stand-in and the entry.
func standIn(title, entry string) []byte {
	manifest := strings.Join([]string{"Manifest-Version: 1.0", "Bundle-Name: kmconform stand-in for " + title + " (not the real artifact)",
		"Kmconform-Stand-In: true", "", ""}, "\r\n")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	mod := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range []struct{ name, data string }{
		{"META-INF/MANIFEST.MF", manifest},
		{entry, "kmconform stand-in: not real code; do not deploy to a product.\n"},
	} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: mod})
		if err == nil {
			_, err = w.Write([]byte(f.data))
		}
		if err != nil {
			panic("plan: build stand-in: " + err.Error()) // writing to memory cannot fail
		}
	}
	if err := zw.Close(); err != nil {
		panic("plan: build stand-in: " + err.Error())
	}
	return buf.Bytes()
}

// ForProfile is the documented setup of a profile for a cell. The base (nodes, files, trust) is the
// documented WSO2 IS 7 setup the products are started with; the profile decides what is registered in
// API-M, what else is installed and whether the Resident Key Manager is disabled. A registration filled from
// the provider's discovery document (oidc, asgardeo) is left nil: the setup builds it once it has read the
// document (ProviderPayload).
func ForProfile(p *Profile, cell matrix.Cell, jar JAR) (*Plan, error) {
	pl, err := Documented(cell, jar)
	if err != nil || p.Name == DefaultProfile {
		if pl != nil {
			pl.Profile = p
		}
		return pl, err
	}
	pl.Profile = p
	pl.Docs = nil // the WSO2 IS 7 endpoint table of the API-M docs is not this profile's
	pl.API["keyManagers"] = []string{p.KMName}
	switch p.Name {
	case "obkm":
		pl.KeyManager = OBKMPayload(ISBase)
		pl.Artifacts = []Artifact{
			{Node: containers.APIMAlias, Product: containers.APIM, Path: APIMDropinsDir + "com.wso2.openbanking.accelerator.keymanager-kmconform-stand-in.jar",
				Entry: OBKMConnectorEntry, Doc: "stand-in of the Open Banking Key Manager connector (type ObKeyManager) in API-M's dropins"},
			{Node: containers.ISAlias, Product: containers.IS, Path: ISWebappsDir + KeyManagerOperationsWAR,
				Entry: KeyManagerOperationsEntry, Doc: "stand-in of the keymanager-operations webapp the Open Banking IS serves /keymanager-operations/dcr/register from"},
		}
	case "asgardeo":
		pl.KeyManager = nil
		pl.Artifacts = []Artifact{{Node: containers.APIMAlias, Product: containers.APIM,
			Path: APIMDropinsDir + "asgardeo.key.manager-1.0.0-kmconform-stand-in.jar", Entry: AsgardeoConnectorEntry,
			Doc: "stand-in of the Asgardeo connector (wso2-extensions/apim-km-asgardeo, type Asgardeo) in API-M's dropins"}}
	default:
		pl.KeyManager = nil
	}
	for i := range pl.Artifacts {
		pl.Artifacts[i].Content = standIn(pl.Artifacts[i].Doc, pl.Artifacts[i].Entry)
	}
	return pl, nil
}

// OBKMPayload is the ObKeyManager registration of the Open Banking docs, with IS at base (the docs'
// https://<IS_HOST>:9446, OBKMDefaultBase).
func OBKMPayload(base string) *wso2am.KeyManager {
	return &wso2am.KeyManager{
		Name: OBKMKeyManagerName, DisplayName: "Open Banking Key Manager (kmconform)", Type: TypeOBKM,
		Description:                "WSO2 Open Banking IS registered by kmconform",
		WellKnownEndpoint:          base + "/oauth2/token/.well-known/openid-configuration",
		Issuer:                     base + "/oauth2/token",
		ClientRegistrationEndpoint: base + "/keymanager-operations/dcr/register",
		IntrospectionEndpoint:      base + "/oauth2/introspect",
		TokenEndpoint:              base + "/oauth2/token",
		RevokeEndpoint:             base + "/oauth2/revoke",
		UserInfoEndpoint:           base + "/oauth2/userinfo?schema=openid",
		AuthorizeEndpoint:          base + "/oauth2/authorize",
		ScopeManagementEndpoint:    base + "/api/identity/oauth2/v1.0/scopes",
		Certificates:               &wso2am.Certificates{Type: "JWKS", Value: base + "/oauth2/jwks"},
		AvailableGrantTypes:        OBKMGrantTypes,
		ConsumerKeyClaim:           "azp",
		ScopesClaim:                "scope",
		ClaimMapping:               []wso2am.ClaimMapping{{RemoteClaim: "http://idp.org/username", LocalClaim: "http://wso2.org/username"}},
		// Token Validation Method: Self Validate JWT (the docs' mandatory choice; "Use introspect" is the
		// other). Token Handling Options: JWT selected; REFERENCE with the docs' UUID example, not enabled.
		TokenValidation: []wso2am.TokenValidation{
			{ID: 1, Enable: true, Type: "JWT", Value: map[string]any{}},
			{ID: 2, Enable: false, Type: "REFERENCE", Value: OBKMReferenceRegex},
		},
		Enabled: true, EnableTokenGeneration: true, EnableOAuthAppCreation: true, EnableMapOAuthConsumerApps: true,
		EnableSelfValidationJWT: true, TokenType: "DIRECT",
		AdditionalProperties: map[string]any{"Username": AdminUser, "Password": AdminPassword, "self_validate_jwt": true},
	}
}

// ProviderDocument is what a registration filled from a discovery document needs of it.
type ProviderDocument struct {
	WellKnown, Issuer, Token, Revocation, Introspection, Registration, Authorize, UserInfo, JWKS string
	GrantTypes                                                                                   []string
}

// AsgardeoOrg is an Asgardeo organization and its management application (the connector's fields).
type AsgardeoOrg struct {
	// Base is the API base, https://api.asgardeo.io; the organization's is Base/t/{Organization}.
	Base, Organization, ClientID, ClientSecret string
}

// OrgBase is the organization's base URL.
func (o AsgardeoOrg) OrgBase() string { return strings.TrimRight(o.Base, "/") + "/t/" + o.Organization }

// AsgardeoGlobalScopes is the global scopes API resource name of the connector docs' example.
const AsgardeoGlobalScopes = "APIM_GLOBAL_SCOPES"

// ProviderPayload is the registration of a profile whose values come from the provider's discovery
// document: oidc (type Custom, out-of-band) or asgardeo (the document imported, the connector's fields).
func ProviderPayload(p *Profile, d ProviderDocument, org *AsgardeoOrg) (*wso2am.KeyManager, error) {
	km := &wso2am.KeyManager{
		Name: p.KMName, Type: p.KMType, WellKnownEndpoint: d.WellKnown, Issuer: d.Issuer, TokenEndpoint: d.Token,
		RevokeEndpoint: d.Revocation, IntrospectionEndpoint: d.Introspection, AuthorizeEndpoint: d.Authorize,
		UserInfoEndpoint: d.UserInfo, Enabled: true, EnableSelfValidationJWT: true, ScopesClaim: "scope", TokenType: "DIRECT",
		AdditionalProperties: map[string]any{},
	}
	if d.JWKS != "" {
		km.Certificates = &wso2am.Certificates{Type: "JWKS", Value: d.JWKS}
	}
	switch p.Name {
	case "oidc":
		km.DisplayName, km.Description = "OpenID provider (kmconform)", "a generic OpenID provider registered by kmconform (out-of-band)"
		// Out-of-band provisioning: no token generation or OAuth application creation through API-M; the
		// provider's client is mapped by its consumer key.
		km.EnableMapOAuthConsumerApps = true
		km.ConsumerKeyClaim = "client_id"
	case "asgardeo":
		if org == nil {
			return nil, fmt.Errorf("the asgardeo profile needs the organization and its management application")
		}
		km.DisplayName, km.Description = "Asgardeo (kmconform)", "Asgardeo organization "+org.Organization+" registered by kmconform"
		// The discover import fills every endpoint and sets every enable flag (API-M admin API); the docs set
		// the scope management endpoint to none by hand.
		km.ClientRegistrationEndpoint = d.Registration
		km.ScopeManagementEndpoint = "none"
		km.AvailableGrantTypes = d.GrantTypes
		km.EnableTokenGeneration, km.EnableOAuthAppCreation, km.EnableMapOAuthConsumerApps = true, true, true
		km.ConsumerKeyClaim = "azp"
		km.AdditionalProperties = map[string]any{
			"org_name": org.Organization, "mgmt_client_id": org.ClientID, "mgmt_client_secret": org.ClientSecret,
			AsgardeoGlobalScopes:                        AsgardeoGlobalScopes,
			"asgardeo_api_resource_management_endpoint": org.OrgBase() + "/api/server/v1/api-resources",
			"asgardeo_roles_endpoint":                   org.OrgBase() + "/scim2/v2/Roles",
		}
	default:
		return nil, fmt.Errorf("kmconform defect: profile %s is not filled from a discovery document", p.Name)
	}
	return km, nil
}
