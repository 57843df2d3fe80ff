package wso2am

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// API is the part of the publisher APIDTO the harness reads back.
type API struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	Context          string         `json:"context"`
	Version          string         `json:"version"`
	Provider         string         `json:"provider"`
	KeyManagers      []string       `json:"keyManagers"`
	LifeCycle        string         `json:"lifeCycleStatus"`
	IsDefaultVersion bool           `json:"isDefaultVersion"`
	Policies         []string       `json:"policies"`
	SecurityScheme   []string       `json:"securityScheme"`
	Scopes           []APIScope     `json:"scopes"`
	Operations       []APIOperation `json:"operations"`
}

// APIScope is an entry of an API's scopes: a local scope of the API, or a shared scope it uses.
type APIScope struct {
	Scope  Scope `json:"scope"`
	Shared bool  `json:"shared"`
}

// APIOperation is one resource of an API.
type APIOperation struct {
	ID               string   `json:"id,omitempty"`
	Target           string   `json:"target"`
	Verb             string   `json:"verb"`
	AuthType         string   `json:"authType,omitempty"`
	ThrottlingPolicy string   `json:"throttlingPolicy,omitempty"`
	Scopes           []string `json:"scopes"`
}

// Scope is a publisher Scope: a shared scope (with its id) or an API's local scope.
type Scope struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name"`
	DisplayName string `json:"displayName,omitempty"`
	Description string `json:"description,omitempty"`
	// Bindings are the roles the scope is bound to; always sent, as the portals do.
	Bindings   []string `json:"bindings"`
	UsageCount int      `json:"usageCount,omitempty"`
}

func (c *Client) apiURL(apiID string) string {
	return c.Base + PublisherPath + "/apis/" + url.PathEscape(apiID)
}

// CreateAPI creates an API from a publisher APIDTO (201).
func (c *Client) CreateAPI(ctx context.Context, dto map[string]any) (*API, error) {
	var out API
	_, err := c.rest(ctx, httpcall.Request{
		Op: "create API", Method: http.MethodPost, URL: c.Base + PublisherPath + "/apis", JSON: dto,
	}, &out, http.StatusCreated)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// APIInfo is an entry of the publisher's API list.
type APIInfo struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Context string `json:"context"`
	Version string `json:"version"`
}

// ListAPIs lists the APIs whose name matches (the publisher's name: query; "" lists them all). Only API-M's
// first page (its default limit, 25) comes back.
func (c *Client) ListAPIs(ctx context.Context, name string) ([]APIInfo, error) {
	u := c.Base + PublisherPath + "/apis"
	if name != "" {
		u += "?query=" + url.QueryEscape("name:\""+name+"\"")
	}
	var out struct {
		List []APIInfo `json:"list"`
	}
	_, err := c.rest(ctx, httpcall.Request{Op: "list APIs", Method: http.MethodGet, URL: u}, &out, http.StatusOK)
	return out.List, err
}

// GetAPI reads an API. API-M returns the context without the version.
func (c *Client) GetAPI(ctx context.Context, apiID string) (*API, error) {
	var out API
	_, err := c.rest(ctx, httpcall.Request{Op: "read API " + apiID, Method: http.MethodGet, URL: c.apiURL(apiID)}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetAPIDTO reads an API as the full APIDTO, to change a field and PUT it back with UpdateAPI.
func (c *Client) GetAPIDTO(ctx context.Context, apiID string) (map[string]any, error) {
	var out map[string]any
	_, err := c.rest(ctx, httpcall.Request{Op: "read API " + apiID, Method: http.MethodGet, URL: c.apiURL(apiID)}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateAPI replaces an API with a full APIDTO (PUT, 200).
func (c *Client) UpdateAPI(ctx context.Context, apiID string, dto map[string]any) (*API, error) {
	var out API
	_, err := c.rest(ctx, httpcall.Request{Op: "update API " + apiID, Method: http.MethodPut, URL: c.apiURL(apiID), JSON: dto}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAPI removes an API (200); one with subscriptions is refused with 409.
func (c *Client) DeleteAPI(ctx context.Context, apiID string) error {
	_, err := c.rest(ctx, httpcall.Request{Op: "delete API " + apiID, Method: http.MethodDelete, URL: c.apiURL(apiID)}, nil, http.StatusOK)
	return err
}

// CreateRevision snapshots an API (201). Right after creation API-M may answer 500 while its registry
// settles; callers retry.
func (c *Client) CreateRevision(ctx context.Context, apiID string) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	_, err := c.rest(ctx, httpcall.Request{
		Op: "create API revision", Method: http.MethodPost, URL: c.apiURL(apiID) + "/revisions",
		JSON: map[string]string{"description": "kmconform"},
	}, &out, http.StatusCreated)
	return out.ID, err
}

// DeployRevision deploys a revision to a gateway environment and vhost. API-M answers 201 (its OpenAPI
// file says 200).
func (c *Client) DeployRevision(ctx context.Context, apiID, revisionID, env, vhost string) error {
	_, err := c.rest(ctx, httpcall.Request{
		Op:     "deploy API revision",
		Method: http.MethodPost,
		URL:    c.apiURL(apiID) + "/deploy-revision?revisionId=" + url.QueryEscape(revisionID),
		JSON:   []map[string]any{{"name": env, "vhost": vhost, "displayOnDevportal": true}},
	}, nil, http.StatusCreated, http.StatusOK)
	return err
}

// Publish moves an API to PUBLISHED.
func (c *Client) Publish(ctx context.Context, apiID string) error {
	return c.ChangeLifecycle(ctx, apiID, "Publish")
}

// ChangeLifecycle applies a lifecycle action: Publish, Block, Deprecate, Retire, Re-Publish, "Demote to
// Created", "Deploy as a Prototype" (200, or 202 while a workflow is pending).
func (c *Client) ChangeLifecycle(ctx context.Context, apiID, action string) error {
	_, err := c.rest(ctx, httpcall.Request{
		Op:     action + " API",
		Method: http.MethodPost,
		URL:    c.Base + PublisherPath + "/apis/change-lifecycle?apiId=" + url.QueryEscape(apiID) + "&action=" + url.QueryEscape(action),
	}, nil, http.StatusOK, http.StatusAccepted)
	return err
}

// CreateSharedScope adds a shared scope (201) and returns it with its id.
func (c *Client) CreateSharedScope(ctx context.Context, s Scope) (*Scope, error) {
	if s.Bindings == nil {
		s.Bindings = []string{}
	}
	var out Scope
	_, err := c.rest(ctx, httpcall.Request{
		Op: "create shared scope " + s.Name, Method: http.MethodPost, URL: c.Base + PublisherPath + "/scopes", JSON: s,
	}, &out, http.StatusCreated)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetSharedScope reads a shared scope by id.
func (c *Client) GetSharedScope(ctx context.Context, scopeID string) (*Scope, error) {
	var out Scope
	_, err := c.rest(ctx, httpcall.Request{
		Op: "read shared scope " + scopeID, Method: http.MethodGet, URL: c.Base + PublisherPath + "/scopes/" + url.PathEscape(scopeID),
	}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteSharedScope removes a shared scope (200).
func (c *Client) DeleteSharedScope(ctx context.Context, scopeID string) error {
	_, err := c.rest(ctx, httpcall.Request{
		Op: "delete shared scope " + scopeID, Method: http.MethodDelete, URL: c.Base + PublisherPath + "/scopes/" + url.PathEscape(scopeID),
	}, nil, http.StatusOK)
	return err
}
