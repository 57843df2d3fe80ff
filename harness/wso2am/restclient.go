package wso2am

import (
	"context"
	"fmt"
	"net/http"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// ClientRegistrationPath registers OAuth clients of API-M's REST APIs (the OAuth route to /api/am/*).
const ClientRegistrationPath = "/client-registration/v0.17/register"

// RESTClient is an OAuth client of API-M's REST APIs, registered at the Resident Key Manager.
type RESTClient struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	ClientName   string `json:"clientName"`
}

// RegisterRESTClient registers (or, the endpoint being an upsert by clientName, finds) an OAuth client for
// API-M's REST APIs with Basic admin credentials (200), with the password, client_credentials and
// refresh_token grants.
func (c *Client) RegisterRESTClient(ctx context.Context, name string) (*RESTClient, error) {
	var out RESTClient
	_, err := c.rest(ctx, httpcall.Request{Op: "register REST API client " + name, Method: http.MethodPost, URL: c.Base + ClientRegistrationPath,
		JSON: map[string]any{"callbackUrl": "www.kmconform.invalid", "clientName": name, "owner": c.AdminUser,
			"grantType": "client_credentials password refresh_token", "saasApp": true}}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	if out.ClientID == "" || out.ClientSecret == "" {
		return nil, fmt.Errorf("register REST API client %s: the answer has no clientId or clientSecret", name)
	}
	return &out, nil
}

// CreateKeyManagerAs registers a Key Manager with a bearer token instead of Basic admin credentials (201),
// for checks of the admin API's scope gate.
func (c *Client) CreateKeyManagerAs(ctx context.Context, km *KeyManager, token string) (*KeyManager, error) {
	var out KeyManager
	_, err := c.rest(ctx, httpcall.Request{
		Op: "register Key Manager " + km.Name + " with a token", Method: http.MethodPost, URL: c.Base + AdminPath + "/key-managers",
		JSON: km, Auth: httpcall.Bearer(token),
	}, &out, http.StatusCreated)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
