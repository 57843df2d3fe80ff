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

// KeyManager is the admin v4 KeyManager resource (the fields the harness sets and reads).
type KeyManager struct {
	ID                         string         `json:"id,omitempty"`
	Name                       string         `json:"name"`
	DisplayName                string         `json:"displayName,omitempty"`
	Type                       string         `json:"type"`
	Description                string         `json:"description,omitempty"`
	Issuer                     string         `json:"issuer,omitempty"`
	WellKnownEndpoint          string         `json:"wellKnownEndpoint,omitempty"`
	ClientRegistrationEndpoint string         `json:"clientRegistrationEndpoint,omitempty"`
	IntrospectionEndpoint      string         `json:"introspectionEndpoint,omitempty"`
	TokenEndpoint              string         `json:"tokenEndpoint,omitempty"`
	RevokeEndpoint             string         `json:"revokeEndpoint,omitempty"`
	UserInfoEndpoint           string         `json:"userInfoEndpoint,omitempty"`
	AuthorizeEndpoint          string         `json:"authorizeEndpoint,omitempty"`
	ScopeManagementEndpoint    string         `json:"scopeManagementEndpoint,omitempty"`
	Certificates               *Certificates  `json:"certificates,omitempty"`
	AvailableGrantTypes        []string       `json:"availableGrantTypes,omitempty"`
	ConsumerKeyClaim           string         `json:"consumerKeyClaim,omitempty"`
	ScopesClaim                string         `json:"scopesClaim,omitempty"`
	Enabled                    bool           `json:"enabled"`
	EnableTokenGeneration      bool           `json:"enableTokenGeneration"`
	EnableOAuthAppCreation     bool           `json:"enableOAuthAppCreation"`
	EnableMapOAuthConsumerApps bool           `json:"enableMapOAuthConsumerApps"`
	EnableSelfValidationJWT    bool           `json:"enableSelfValidationJWT"`
	TokenType                  string         `json:"tokenType,omitempty"`
	AdditionalProperties       map[string]any `json:"additionalProperties,omitempty"`
}

// KeyManagerInfo is one entry of the admin Key Manager list.
type KeyManagerInfo struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Type    string `json:"type"`
	Enabled bool   `json:"enabled"`
}

// CreateKeyManager registers a Key Manager (201).
func (c *Client) CreateKeyManager(ctx context.Context, km *KeyManager) (*KeyManager, error) {
	var out KeyManager
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op: "register Key Manager " + km.Name, Method: http.MethodPost, URL: c.Base + AdminPath + "/key-managers",
		JSON: km, Auth: c.admin(),
	}, &out, http.StatusCreated)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetKeyManager reads a Key Manager by id.
func (c *Client) GetKeyManager(ctx context.Context, id string) (*KeyManager, error) {
	var out KeyManager
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op: "read Key Manager", Method: http.MethodGet, URL: c.Base + AdminPath + "/key-managers/" + url.PathEscape(id),
		Auth: c.admin(),
	}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListKeyManagers lists the tenant's Key Managers.
func (c *Client) ListKeyManagers(ctx context.Context) ([]KeyManagerInfo, error) {
	var out struct {
		List []KeyManagerInfo `json:"list"`
	}
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op: "list Key Managers", Method: http.MethodGet, URL: c.Base + AdminPath + "/key-managers", Auth: c.admin(),
	}, &out, http.StatusOK)
	return out.List, err
}

func (c *Client) admin() httpcall.Auth { return httpcall.Basic(c.AdminUser, c.AdminPassword) }
