package wso2am

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// Certificates tells API-M how to verify a Key Manager's JWTs.
type Certificates struct {
	Type  string `json:"type"` // JWKS or PEM
	Value string `json:"value"`
}

// KeyManagerEndpoint is one entry of KeyManager.endpoints.
type KeyManagerEndpoint struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ClaimMapping maps a Key Manager's claim to an API-M claim.
type ClaimMapping struct {
	RemoteClaim string `json:"remoteClaim"`
	LocalClaim  string `json:"localClaim"`
}

// TokenValidation is one token-handling rule (REFERENCE, JWT or CUSTOM).
type TokenValidation struct {
	ID int `json:"id,omitempty"`
	// Enable defaults to true on the server, so false is always sent.
	Enable bool   `json:"enable"`
	Type   string `json:"type,omitempty"`
	Value  any    `json:"value,omitempty"`
}

// KeyManagerPermissions restricts who may generate keys at a Key Manager.
type KeyManagerPermissions struct {
	PermissionType string   `json:"permissionType,omitempty"` // PUBLIC, ALLOW or DENY
	Roles          []string `json:"roles,omitempty"`
}

// KeyManager is the admin v4 KeyManager resource. The enable flags and Enabled carry no omitempty: false is
// a value checks must be able to send, and the server's defaults differ (enableSelfValidationJWT defaults to
// true), so a round trip GET → PUT sends back every field it read (fields outside the 4.3–4.5 schema are
// not kept; send those with RESTCall). Masked connector values come back as
// "*****" in AdditionalProperties; sending them back unchanged keeps the stored secret.
type KeyManager struct {
	ID                         string               `json:"id,omitempty"`
	Name                       string               `json:"name"`
	DisplayName                string               `json:"displayName,omitempty"`
	Type                       string               `json:"type"`
	Description                string               `json:"description,omitempty"`
	Issuer                     string               `json:"issuer,omitempty"`
	Alias                      string               `json:"alias,omitempty"`
	WellKnownEndpoint          string               `json:"wellKnownEndpoint,omitempty"`
	ClientRegistrationEndpoint string               `json:"clientRegistrationEndpoint,omitempty"`
	IntrospectionEndpoint      string               `json:"introspectionEndpoint,omitempty"`
	TokenEndpoint              string               `json:"tokenEndpoint,omitempty"`
	DisplayTokenEndpoint       string               `json:"displayTokenEndpoint,omitempty"`
	RevokeEndpoint             string               `json:"revokeEndpoint,omitempty"`
	DisplayRevokeEndpoint      string               `json:"displayRevokeEndpoint,omitempty"`
	UserInfoEndpoint           string               `json:"userInfoEndpoint,omitempty"`
	AuthorizeEndpoint          string               `json:"authorizeEndpoint,omitempty"`
	ScopeManagementEndpoint    string               `json:"scopeManagementEndpoint,omitempty"`
	Endpoints                  []KeyManagerEndpoint `json:"endpoints,omitempty"`
	Certificates               *Certificates        `json:"certificates,omitempty"`
	AvailableGrantTypes        []string             `json:"availableGrantTypes,omitempty"`
	ConsumerKeyClaim           string               `json:"consumerKeyClaim,omitempty"`
	ScopesClaim                string               `json:"scopesClaim,omitempty"`
	ClaimMapping               []ClaimMapping       `json:"claimMapping,omitempty"`
	TokenValidation            []TokenValidation    `json:"tokenValidation,omitempty"`
	Enabled                    bool                 `json:"enabled"`
	EnableTokenGeneration      bool                 `json:"enableTokenGeneration"`
	EnableOAuthAppCreation     bool                 `json:"enableOAuthAppCreation"`
	EnableMapOAuthConsumerApps bool                 `json:"enableMapOAuthConsumerApps"`
	EnableSelfValidationJWT    bool                 `json:"enableSelfValidationJWT"`
	EnableTokenHashing         bool                 `json:"enableTokenHashing"`
	EnableTokenEncryption      bool                 `json:"enableTokenEncryption"`
	// Global is decided by the endpoint (/global-key-managers), so it is only sent when set.
	Global      bool                   `json:"global,omitempty"`
	Permissions *KeyManagerPermissions `json:"permissions,omitempty"`
	TokenType   string                 `json:"tokenType,omitempty"` // DIRECT (server default), EXCHANGED or BOTH
	// AllowedOrganizations exists from API-M 4.5; older versions ignore it, and nil is not sent.
	AllowedOrganizations []string       `json:"allowedOrganizations,omitempty"`
	AdditionalProperties map[string]any `json:"additionalProperties,omitempty"`
}

// MaskedValue is what API-M returns for a masked connector field (e.g. Password), and what a PUT sends to
// keep the stored secret.
const MaskedValue = "*****"

// KeyManagerInfo is one entry of the admin Key Manager list.
type KeyManagerInfo struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
	Enabled     bool   `json:"enabled"`
	IsGlobal    bool   `json:"isGlobal"`
	IsUsed      bool   `json:"isUsed"`
	TokenType   string `json:"tokenType"`
}

func (c *Client) keyManagerURL(id string) string {
	return c.Base + AdminPath + "/key-managers/" + url.PathEscape(id)
}

// CreateKeyManager registers a Key Manager (201).
func (c *Client) CreateKeyManager(ctx context.Context, km *KeyManager) (*KeyManager, error) {
	var out KeyManager
	_, err := c.rest(ctx, httpcall.Request{
		Op: "register Key Manager " + km.Name, Method: http.MethodPost, URL: c.Base + AdminPath + "/key-managers", JSON: km,
	}, &out, http.StatusCreated)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetKeyManager reads a Key Manager by id (404/901411 when there is none).
func (c *Client) GetKeyManager(ctx context.Context, id string) (*KeyManager, error) {
	var out KeyManager
	_, err := c.rest(ctx, httpcall.Request{Op: "read Key Manager " + id, Method: http.MethodGet, URL: c.keyManagerURL(id)}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateKeyManager replaces Key Manager id with km (PUT, 200). API-M refuses a name change with 400.
func (c *Client) UpdateKeyManager(ctx context.Context, id string, km *KeyManager) (*KeyManager, error) {
	var out KeyManager
	_, err := c.rest(ctx, httpcall.Request{
		Op: "update Key Manager " + km.Name, Method: http.MethodPut, URL: c.keyManagerURL(id), JSON: km,
	}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteKeyManager removes a Key Manager (200). One still used by an application or an API is refused with
// 412/902015.
func (c *Client) DeleteKeyManager(ctx context.Context, id string) error {
	_, err := c.rest(ctx, httpcall.Request{Op: "delete Key Manager " + id, Method: http.MethodDelete, URL: c.keyManagerURL(id)}, nil, http.StatusOK)
	return err
}

// ListKeyManagers lists the tenant's Key Managers.
func (c *Client) ListKeyManagers(ctx context.Context) ([]KeyManagerInfo, error) {
	var out struct {
		List []KeyManagerInfo `json:"list"`
	}
	_, err := c.rest(ctx, httpcall.Request{
		Op: "list Key Managers", Method: http.MethodGet, URL: c.Base + AdminPath + "/key-managers",
	}, &out, http.StatusOK)
	return out.List, err
}

// KeyManagerDiscovery is the discover answer: a KeyManager filled from the OIDC discovery document. It
// is not registered; POST Value to register it.
type KeyManagerDiscovery struct {
	Valid bool        `json:"valid"`
	Value *KeyManager `json:"value"`
}

// DiscoverKeyManager asks API-M to read a well-known URL for a Key Manager of type kmType (multipart form
// fields url and type, as the admin portal sends them).
func (c *Client) DiscoverKeyManager(ctx context.Context, wellKnownURL, kmType string) (*KeyManagerDiscovery, error) {
	var out KeyManagerDiscovery
	_, err := c.rest(ctx, httpcall.Request{
		Op: "discover Key Manager at " + wellKnownURL, Method: http.MethodPost, URL: c.Base + AdminPath + "/key-managers/discover",
		Fields: map[string]string{"url": wellKnownURL, "type": kmType},
	}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ConnectorField describes one field a Key Manager connector takes (admin KeyManagerConfiguration).
type ConnectorField struct {
	Name     string `json:"name"`
	Label    string `json:"label"`
	Type     string `json:"type"`
	Required bool   `json:"required"`
	Mask     bool   `json:"mask"`
	Multiple bool   `json:"multiple"`
	Tooltip  string `json:"tooltip"`
	Default  any    `json:"default"`
	// Values are a dropdown's options; their shape varies by connector, so they stay generic.
	Values []any `json:"values"`
	// UpdateDisabled exists from API-M 4.6.
	UpdateDisabled bool `json:"updateDisabled"`
}
