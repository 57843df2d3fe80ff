package wso2is

import (
	"context"
	"net/http"
	"net/url"
)

// OAuthScopesPath is the legacy OAuth2 scopes API, still listed as API-M's "Scope Management Endpoint"
// though the IS7 connector from 2.0.3 uses API resources instead.
const OAuthScopesPath = "/api/identity/oauth2/v1.0/scopes"

// ScopeBinding binds a scope to roles (bindingType e.g. "DEFAULT").
type ScopeBinding struct {
	BindingType string   `json:"bindingType"`
	Binding     []string `json:"binding"`
}

// OAuthScope is a scope of the legacy API.
type OAuthScope struct {
	Name          string         `json:"name"`
	DisplayName   string         `json:"displayName"`
	Description   string         `json:"description,omitempty"`
	Bindings      []string       `json:"bindings,omitempty"`
	ScopeBindings []ScopeBinding `json:"scopeBindings,omitempty"`
}

// CreateOAuthScope creates a scope (POST /scopes, 201; 409 when it exists).
func (c *Client) CreateOAuthScope(ctx context.Context, s OAuthScope) (*OAuthScope, error) {
	var out OAuthScope
	if _, err := c.apiCall(ctx, "create OAuth2 scope "+s.Name, http.MethodPost, c.Base+OAuthScopesPath, s, &out, http.StatusCreated); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetOAuthScope reads a scope by name (200; 404 when there is none).
func (c *Client) GetOAuthScope(ctx context.Context, name string) (*OAuthScope, error) {
	var out OAuthScope
	if _, err := c.apiCall(ctx, "read OAuth2 scope "+name, http.MethodGet, c.oauthScopeURL(name), nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// OAuthScopeExists asks with HEAD: 200 is true, 404 false, anything else an *APIFailure.
func (c *Client) OAuthScopeExists(ctx context.Context, name string) (bool, error) {
	resp, err := c.apiCall(ctx, "check OAuth2 scope "+name, http.MethodHead, c.oauthScopeURL(name), nil, nil, http.StatusOK, http.StatusNotFound)
	if err != nil {
		return false, err
	}
	return resp.Status == http.StatusOK, nil
}

// DeleteOAuthScope deletes a scope by name (204).
func (c *Client) DeleteOAuthScope(ctx context.Context, name string) error {
	_, err := c.apiCall(ctx, "delete OAuth2 scope "+name, http.MethodDelete, c.oauthScopeURL(name), nil, nil, http.StatusNoContent)
	return err
}

func (c *Client) oauthScopeURL(name string) string {
	return c.Base + OAuthScopesPath + "/name/" + url.PathEscape(name)
}
