package wso2am

import (
	"context"
	"net/http"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// KeyMapping is a devportal map-keys request (ApplicationKeyMappingRequest): an OAuth client that already
// exists at a Key Manager ("out-of-band provisioning"), mapped to an application.
type KeyMapping struct {
	ConsumerKey    string `json:"consumerKey"`
	ConsumerSecret string `json:"consumerSecret"`
	// KeyManager is a name; empty leaves it out, and API-M uses the Resident Key Manager.
	KeyManager string `json:"keyManager,omitempty"`
	// KeyType is PRODUCTION (default) or SANDBOX.
	KeyType string `json:"keyType"`
}

// MapKeys maps an existing OAuth client to an application (200, the ApplicationKey with mode MAPPED). The
// Key Manager must allow it (enableMapOAuthConsumerApps); for WSO2-IS-7 the connector reads the client
// from IS's DCR endpoint and refuses a consumer secret that is not the client's.
func (c *Client) MapKeys(ctx context.Context, appID string, m KeyMapping) (*ApplicationKey, error) {
	if m.KeyType == "" {
		m.KeyType = Production
	}
	var out ApplicationKey
	_, err := c.rest(ctx, httpcall.Request{
		Op: "map existing keys at Key Manager " + m.KeyManager, Method: http.MethodPost,
		URL: c.applicationURL(appID) + "/map-keys", JSON: m,
	}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
