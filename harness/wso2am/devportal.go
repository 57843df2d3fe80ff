package wso2am

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// CreateApplication creates a devportal application (201) and returns its id.
func (c *Client) CreateApplication(ctx context.Context, name string) (string, error) {
	var out struct {
		ApplicationID string `json:"applicationId"`
	}
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op: "create application " + name, Method: http.MethodPost, URL: c.Base + DevportalPath + "/applications",
		JSON: map[string]string{"name": name, "throttlingPolicy": "Unlimited", "description": "kmconform"},
		Auth: c.admin(),
	}, &out, http.StatusCreated)
	return out.ApplicationID, err
}

// Subscribe subscribes an application to an API (201, or 202 while a workflow is pending).
func (c *Client) Subscribe(ctx context.Context, appID, apiID string) error {
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op: "subscribe application to API", Method: http.MethodPost, URL: c.Base + DevportalPath + "/subscriptions",
		JSON: map[string]string{"applicationId": appID, "apiId": apiID, "throttlingPolicy": "Unlimited"},
		Auth: c.admin(),
	}, nil, http.StatusCreated, http.StatusAccepted)
	return err
}

// ApplicationKey is the generate-keys answer: the OAuth client the Key Manager created.
type ApplicationKey struct {
	KeyMappingID        string   `json:"keyMappingId"`
	KeyManager          string   `json:"keyManager"`
	ConsumerKey         string   `json:"consumerKey"`
	ConsumerSecret      string   `json:"consumerSecret"`
	SupportedGrantTypes []string `json:"supportedGrantTypes"`
	KeyType             string   `json:"keyType"`
}

// GenerateKeys asks API-M to create the application's OAuth client at a Key Manager (by name).
func (c *Client) GenerateKeys(ctx context.Context, appID, keyManager string, grantTypes []string) (*ApplicationKey, error) {
	var out ApplicationKey
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op:     "generate keys at Key Manager " + keyManager,
		Method: http.MethodPost,
		URL:    c.Base + DevportalPath + "/applications/" + url.PathEscape(appID) + "/generate-keys",
		JSON: map[string]any{
			"keyType": "PRODUCTION", "keyManager": keyManager, "grantTypesToBeSupported": grantTypes,
			"callbackUrl": "https://localhost/callback", "scopes": []string{"default"}, "validityTime": "3600",
		},
		Auth: c.admin(),
	}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DevportalKeyManager is a Key Manager as the devportal lists it to application developers.
type DevportalKeyManager struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Type          string `json:"type"`
	Enabled       bool   `json:"enabled"`
	TokenEndpoint string `json:"tokenEndpoint"`
}

// DevportalKeyManagers lists the Key Managers application developers can generate keys at.
func (c *Client) DevportalKeyManagers(ctx context.Context) ([]DevportalKeyManager, error) {
	var out struct {
		List []DevportalKeyManager `json:"list"`
	}
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op: "list devportal Key Managers", Method: http.MethodGet, URL: c.Base + DevportalPath + "/key-managers", Auth: c.admin(),
	}, &out, http.StatusOK)
	return out.List, err
}
