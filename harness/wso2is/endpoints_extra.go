// Calls the endpoints checks need beyond the typed ones: the discovery document as IS sent it (any
// {issuer} path segment) and the PATCH operations of the API resources API.

package wso2is

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// DiscoveryAnswer is a discovery request's answer as IS sent it.
type DiscoveryAnswer struct {
	Answer
	// Fields is the JSON body of a 200 answer (nil otherwise).
	Fields map[string]any
}

// DiscoverAt reads /oauth2/<segment>/.well-known/openid-configuration whatever IS answers; IS serves the
// document for the segments "token" and "oidcdiscovery" and answers 400 with a text for any other.
func (c *Client) DiscoverAt(ctx context.Context, segment string) (*DiscoveryAnswer, error) {
	resp, err := httpcall.Do(ctx, c.HTTP, httpcall.Request{
		Op: "read IS discovery at /oauth2/" + segment, Method: http.MethodGet,
		URL: c.Base + "/oauth2/" + url.PathEscape(segment) + "/.well-known/openid-configuration",
	})
	if err != nil {
		return nil, err
	}
	out := &DiscoveryAnswer{Answer: answerOf(resp)}
	if resp.Status == http.StatusOK {
		_ = json.Unmarshal(resp.Body, &out.Fields)
	}
	return out, nil
}

// PatchAPIResource adds scopes to an API resource (PATCH /{id} with addedScopes, 204), as API-M's
// connector does when the resource exists.
func (c *Client) PatchAPIResource(ctx context.Context, id string, added []APIScope) error {
	body := map[string]any{"addedScopes": added}
	_, err := c.apiCall(ctx, "add scopes to API resource "+id, http.MethodPatch, c.apiResourceURL(id), body, nil, http.StatusNoContent)
	return err
}

// PatchAPIResourceScope changes a scope's displayName and description (PATCH /{id}/scopes/{name}, 204;
// IS 7.1.0 and later).
func (c *Client) PatchAPIResourceScope(ctx context.Context, id, name, displayName, description string) error {
	body := map[string]any{"displayName": displayName, "description": description}
	_, err := c.apiCall(ctx, "patch scope "+name+" of API resource "+id, http.MethodPatch,
		c.apiResourceURL(id)+"/scopes/"+url.PathEscape(name), body, nil, http.StatusNoContent)
	return err
}

// DeleteAPIResourceScope removes one scope of an API resource (DELETE /{id}/scopes/{name}, 204).
func (c *Client) DeleteAPIResourceScope(ctx context.Context, id, name string) error {
	_, err := c.apiCall(ctx, "delete scope "+name+" of API resource "+id, http.MethodDelete,
		c.apiResourceURL(id)+"/scopes/"+url.PathEscape(name), nil, nil, http.StatusNoContent)
	return err
}
