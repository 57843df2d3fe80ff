package wso2is

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// API resources REST API paths (IS 7: scopes live in API resources).
const (
	APIResourcesPath = "/api/server/v1/api-resources"
	// TenantScopesPath lists the scopes of every API resource of the tenant.
	TenantScopesPath = "/api/server/v1/scopes"
)

// APIScope is a scope of an API resource.
type APIScope struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name"`
	DisplayName string `json:"displayName,omitempty"`
	Description string `json:"description,omitempty"`
}

// APIResource is an API resource; the list answers omit Scopes.
type APIResource struct {
	ID                    string     `json:"id"`
	Name                  string     `json:"name"`
	Identifier            string     `json:"identifier"`
	Description           string     `json:"description"`
	Type                  string     `json:"type"`
	RequiresAuthorization bool       `json:"requiresAuthorization"`
	Scopes                []APIScope `json:"scopes"`
	Self                  string     `json:"self"`
}

// HasScope says whether a scope name is among the resource's scopes.
func (r *APIResource) HasScope(name string) bool {
	for _, s := range r.Scopes {
		if s.Name == name {
			return true
		}
	}
	return false
}

// APIResourceList is a list answer. IS's generated code writes the list as "apiResources" while its
// OpenAPI file says "APIResources"; JSON decoding matches either.
type APIResourceList struct {
	TotalResults int           `json:"totalResults"`
	Links        []Link        `json:"links"`
	APIResources []APIResource `json:"apiResources"`
}

// Link is a pagination link.
type Link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

// NewAPIResource is an API resource to create.
type NewAPIResource struct {
	Name                  string     `json:"name"`
	Identifier            string     `json:"identifier"`
	Description           string     `json:"description,omitempty"`
	RequiresAuthorization bool       `json:"requiresAuthorization"`
	Scopes                []APIScope `json:"scopes,omitempty"`
}

// ListAPIResources lists API resources, filtered when filter is set (e.g. "identifier eq X").
func (c *Client) ListAPIResources(ctx context.Context, filter string) (*APIResourceList, error) {
	target := c.Base + APIResourcesPath
	if filter != "" {
		target += "?" + url.Values{"filter": {filter}}.Encode()
	}
	var out APIResourceList
	if _, err := c.apiCall(ctx, "list API resources ("+filter+")", http.MethodGet, target, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// FindAPIResource finds an API resource by identifier (as API-M's connector finds
// User-defined-oauth2-resource) and reads it with its scopes; nil when there is none.
func (c *Client) FindAPIResource(ctx context.Context, identifier string) (*APIResource, error) {
	list, err := c.ListAPIResources(ctx, "identifier eq "+identifier)
	if err != nil {
		return nil, err
	}
	for _, r := range list.APIResources {
		if r.Identifier == identifier {
			return c.GetAPIResource(ctx, r.ID)
		}
	}
	return nil, nil
}

// GetAPIResource reads an API resource by id, with its scopes.
func (c *Client) GetAPIResource(ctx context.Context, id string) (*APIResource, error) {
	var out APIResource
	if _, err := c.apiCall(ctx, "read API resource "+id, http.MethodGet, c.apiResourceURL(id), nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return &out, nil
}

// APIResourceScopes lists the scopes of an API resource.
func (c *Client) APIResourceScopes(ctx context.Context, id string) ([]APIScope, error) {
	var out []APIScope
	_, err := c.apiCall(ctx, "list scopes of API resource "+id, http.MethodGet, c.apiResourceURL(id)+"/scopes", nil, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// TenantScopes lists the scopes of every API resource, filtered when filter is set (e.g. "name eq X").
func (c *Client) TenantScopes(ctx context.Context, filter string) ([]APIScope, error) {
	target := c.Base + TenantScopesPath
	if filter != "" {
		target += "?" + url.Values{"filter": {filter}}.Encode()
	}
	var out []APIScope
	if _, err := c.apiCall(ctx, "list the tenant's scopes ("+filter+")", http.MethodGet, target, nil, &out, http.StatusOK); err != nil {
		return nil, err
	}
	return out, nil
}

// CreateAPIResource creates an API resource. IS answers 201 with a Location (its OpenAPI file says 200;
// both are accepted); 409 for a duplicate identifier.
func (c *Client) CreateAPIResource(ctx context.Context, r NewAPIResource) (*APIResource, error) {
	var out APIResource
	op := "create API resource " + r.Identifier
	if _, err := c.apiCall(ctx, op, http.MethodPost, c.Base+APIResourcesPath, r, &out, http.StatusCreated, http.StatusOK); err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, fmt.Errorf("%s: the answer has no id", op)
	}
	return &out, nil
}

// DeleteAPIResource deletes an API resource (204).
func (c *Client) DeleteAPIResource(ctx context.Context, id string) error {
	_, err := c.apiCall(ctx, "delete API resource "+id, http.MethodDelete, c.apiResourceURL(id), nil, nil, http.StatusNoContent)
	return err
}

func (c *Client) apiResourceURL(id string) string {
	return c.Base + APIResourcesPath + "/" + url.PathEscape(id)
}
