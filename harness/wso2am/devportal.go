package wso2am

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// Application is the devportal v3 Application (also used for the entries of the application list).
type Application struct {
	ApplicationID    string `json:"applicationId,omitempty"`
	Name             string `json:"name"`
	ThrottlingPolicy string `json:"throttlingPolicy"`
	Description      string `json:"description,omitempty"`
	// TokenType is ignored on create: API-M forces JWT.
	TokenType         string           `json:"tokenType,omitempty"`
	Status            string           `json:"status,omitempty"`
	Groups            []string         `json:"groups,omitempty"`
	SubscriptionCount int              `json:"subscriptionCount,omitempty"`
	Keys              []ApplicationKey `json:"keys,omitempty"`
	Attributes        map[string]any   `json:"attributes,omitempty"`
	Owner             string           `json:"owner,omitempty"`
}

func (c *Client) applicationURL(appID string) string {
	return c.Base + DevportalPath + "/applications/" + url.PathEscape(appID)
}

// CreateApplication creates a devportal application (201) and returns its id.
func (c *Client) CreateApplication(ctx context.Context, name string) (string, error) {
	app, err := c.CreateApplicationWith(ctx, Application{Name: name, ThrottlingPolicy: "Unlimited", Description: "kmconform"})
	if err != nil {
		return "", err
	}
	return app.ApplicationID, nil
}

// CreateApplicationWith creates an application from a full DTO (201); ThrottlingPolicy defaults to
// Unlimited. A duplicate name is a RESTError 409.
func (c *Client) CreateApplicationWith(ctx context.Context, app Application) (*Application, error) {
	if app.ThrottlingPolicy == "" {
		app.ThrottlingPolicy = "Unlimited"
	}
	var out Application
	_, err := c.rest(ctx, httpcall.Request{
		Op: "create application " + app.Name, Method: http.MethodPost, URL: c.Base + DevportalPath + "/applications", JSON: app,
	}, &out, http.StatusCreated)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteApplication removes an application (200, or 202 while a workflow is pending).
func (c *Client) DeleteApplication(ctx context.Context, appID string) error {
	_, err := c.rest(ctx, httpcall.Request{Op: "delete application " + appID, Method: http.MethodDelete, URL: c.applicationURL(appID)},
		nil, http.StatusOK, http.StatusAccepted)
	return err
}

// ListApplications lists the admin's applications; name (if not empty) is the devportal's exact-name query.
// Only API-M's first page (its default limit, 25) comes back.
func (c *Client) ListApplications(ctx context.Context, name string) ([]Application, error) {
	u := c.Base + DevportalPath + "/applications"
	if name != "" {
		u += "?query=" + url.QueryEscape(name)
	}
	var out struct {
		List []Application `json:"list"`
	}
	_, err := c.rest(ctx, httpcall.Request{Op: "list applications", Method: http.MethodGet, URL: u}, &out, http.StatusOK)
	return out.List, err
}

// Subscription is a devportal v3 Subscription.
type Subscription struct {
	SubscriptionID            string `json:"subscriptionId,omitempty"`
	ApplicationID             string `json:"applicationId"`
	APIID                     string `json:"apiId,omitempty"`
	ThrottlingPolicy          string `json:"throttlingPolicy"`
	RequestedThrottlingPolicy string `json:"requestedThrottlingPolicy,omitempty"`
	Status                    string `json:"status,omitempty"`
}

// CreateSubscription subscribes an application to an API with a subscription policy (empty: Unlimited)
// and returns the subscription with its id (201; 202 while a workflow is pending, the id then comes from
// the Location header). A duplicate is a RESTError 409.
func (c *Client) CreateSubscription(ctx context.Context, appID, apiID, policy string) (*Subscription, error) {
	if policy == "" {
		policy = "Unlimited"
	}
	var out Subscription
	resp, err := c.rest(ctx, httpcall.Request{
		Op: "subscribe application to API", Method: http.MethodPost, URL: c.Base + DevportalPath + "/subscriptions",
		JSON: Subscription{ApplicationID: appID, APIID: apiID, ThrottlingPolicy: policy},
	}, &out, http.StatusCreated, http.StatusAccepted)
	if err != nil {
		return nil, err
	}
	if out.SubscriptionID == "" {
		if loc := resp.Header.Get("Location"); loc != "" {
			out.SubscriptionID = lastSegment(loc)
		}
	}
	if out.ApplicationID == "" {
		out.ApplicationID, out.APIID = appID, apiID
	}
	return &out, nil
}

// ApplicationToken is a token API-M obtained for an application.
type ApplicationToken struct {
	AccessToken  string   `json:"accessToken"`
	TokenScopes  []string `json:"tokenScopes"`
	ValidityTime int64    `json:"validityTime"`
}

// ApplicationKey is the generate-keys answer: the OAuth client the Key Manager created.
type ApplicationKey struct {
	KeyMappingID         string            `json:"keyMappingId"`
	KeyManager           string            `json:"keyManager"`
	ConsumerKey          string            `json:"consumerKey"`
	ConsumerSecret       string            `json:"consumerSecret"`
	SupportedGrantTypes  []string          `json:"supportedGrantTypes"`
	CallbackURL          string            `json:"callbackUrl"`
	KeyState             string            `json:"keyState"`
	KeyType              string            `json:"keyType"`
	Mode                 string            `json:"mode"`
	GroupID              string            `json:"groupId"`
	Token                *ApplicationToken `json:"token"`
	AdditionalProperties map[string]any    `json:"additionalProperties"`
}

// Key types of generate-keys.
const (
	Production = "PRODUCTION"
	Sandbox    = "SANDBOX"
)

// KeyRequest is a generate-keys request.
type KeyRequest struct {
	KeyType string // PRODUCTION (default) or SANDBOX
	// KeyManager is a name or an id (API-M tries the name first); empty leaves it out, and API-M uses the
	// Resident Key Manager.
	KeyManager string
	GrantTypes []string
	// CallbackURL is sent as it is; CallbackURLs (two or more) go out as API-M's "regexp=(a|b)" form.
	// Set one of the two.
	CallbackURL  string
	CallbackURLs []string
	Scopes       []string // nil: not sent
	// ValidityTime in seconds; 0: not sent.
	ValidityTime int64
	// AdditionalProperties are the connector's application fields, e.g. ext_application_token_lifetime.
	AdditionalProperties map[string]any
}

// CallbackRegexp is how API-M's devportal sends several callback URLs: regexp=(a|b). The URLs are not
// escaped, as a user types them in the devportal.
func CallbackRegexp(urls ...string) string {
	return "regexp=(" + strings.Join(urls, "|") + ")"
}

func (k KeyRequest) body() (map[string]any, error) {
	keyType := k.KeyType
	if keyType == "" {
		keyType = Production
	}
	grants := k.GrantTypes
	if grants == nil {
		grants = []string{} // required by the API: send an empty list rather than null
	}
	b := map[string]any{"keyType": keyType, "grantTypesToBeSupported": grants}
	if k.KeyManager != "" {
		b["keyManager"] = k.KeyManager
	}
	switch {
	case k.CallbackURL != "" && len(k.CallbackURLs) > 0:
		return nil, fmt.Errorf("set CallbackURL or CallbackURLs, not both")
	case k.CallbackURL != "":
		b["callbackUrl"] = k.CallbackURL
	case len(k.CallbackURLs) == 1:
		b["callbackUrl"] = k.CallbackURLs[0]
	case len(k.CallbackURLs) > 1:
		b["callbackUrl"] = CallbackRegexp(k.CallbackURLs...)
	}
	if k.Scopes != nil {
		b["scopes"] = k.Scopes
	}
	if k.ValidityTime != 0 {
		b["validityTime"] = strconv.FormatInt(k.ValidityTime, 10) // a string in the API
	}
	if k.AdditionalProperties != nil {
		b["additionalProperties"] = k.AdditionalProperties
	}
	return b, nil
}

// GenerateKeys asks API-M to create the application's PRODUCTION OAuth client at a Key Manager (by name),
// with a fixed callback URL, the default scope and a one-hour validity.
func (c *Client) GenerateKeys(ctx context.Context, appID, keyManager string, grantTypes []string) (*ApplicationKey, error) {
	return c.GenerateKeysWith(ctx, appID, KeyRequest{
		KeyType: Production, KeyManager: keyManager, GrantTypes: grantTypes,
		CallbackURL: "https://localhost/callback", Scopes: []string{"default"}, ValidityTime: 3600,
	})
}

// GenerateKeysWith asks API-M to create the application's OAuth client at a Key Manager (200). Refusals
// come back as RESTErrors, e.g. 400/901403 (Key Manager missing or disabled), 400/901405 (it does not
// create OAuth applications), 409/901409 (a key mapping exists), 403/902013 (permission denied).
func (c *Client) GenerateKeysWith(ctx context.Context, appID string, k KeyRequest) (*ApplicationKey, error) {
	op := "generate keys at Key Manager " + k.KeyManager
	if k.KeyManager == "" {
		op = "generate keys at the default Key Manager"
	}
	body, err := k.body()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var out ApplicationKey
	_, err = c.rest(ctx, httpcall.Request{Op: op, Method: http.MethodPost, URL: c.applicationURL(appID) + "/generate-keys", JSON: body}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) oauthKeyURL(appID, keyMappingID string) string {
	return c.applicationURL(appID) + "/oauth-keys/" + url.PathEscape(keyMappingID)
}

// OAuthKeyUpdate is what a key mapping's PUT changes; API-M ignores the consumer key and secret there.
type OAuthKeyUpdate struct {
	SupportedGrantTypes []string `json:"supportedGrantTypes"`
	// CallbackURL is always sent, so an empty one clears it.
	CallbackURL          string         `json:"callbackUrl"`
	AdditionalProperties map[string]any `json:"additionalProperties,omitempty"`
	// KeyType and KeyManager are optional echoes of the mapping.
	KeyType    string `json:"keyType,omitempty"`
	KeyManager string `json:"keyManager,omitempty"`
}

// UpdateOAuthKeys changes a key mapping's grant types, callback URL and connector properties (200).
func (c *Client) UpdateOAuthKeys(ctx context.Context, appID, keyMappingID string, u OAuthKeyUpdate) (*ApplicationKey, error) {
	if u.SupportedGrantTypes == nil {
		u.SupportedGrantTypes = []string{}
	}
	var out ApplicationKey
	_, err := c.rest(ctx, httpcall.Request{
		Op: "update application key " + keyMappingID, Method: http.MethodPut, URL: c.oauthKeyURL(appID, keyMappingID), JSON: u,
	}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// RegeneratedSecret is the regenerate-secret answer.
type RegeneratedSecret struct {
	ConsumerKey string `json:"consumerKey"`
	// ConsumerSecret is "" when the answer has none (absent or null): what API-M answers for a connector
	// that does not regenerate secrets, such as WSO2-IS-7.
	ConsumerSecret string `json:"consumerSecret"`
}

// RegenerateSecret asks the Key Manager for a new consumer secret (200). An answer without a secret is not
// an error: the caller decides what it means.
func (c *Client) RegenerateSecret(ctx context.Context, appID, keyMappingID string) (*RegeneratedSecret, error) {
	var out RegeneratedSecret
	_, err := c.rest(ctx, httpcall.Request{
		Op: "regenerate consumer secret of " + keyMappingID, Method: http.MethodPost, URL: c.oauthKeyURL(appID, keyMappingID) + "/regenerate-secret",
	}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DevportalKeyManager is a Key Manager as the devportal lists it to application developers. TokenEndpoint
// and RevokeEndpoint are the display endpoints when the Key Manager has them.
type DevportalKeyManager struct {
	ID                         string           `json:"id"`
	Name                       string           `json:"name"`
	DisplayName                string           `json:"displayName"`
	Description                string           `json:"description"`
	Type                       string           `json:"type"`
	Enabled                    bool             `json:"enabled"`
	TokenEndpoint              string           `json:"tokenEndpoint"`
	RevokeEndpoint             string           `json:"revokeEndpoint"`
	UserInfoEndpoint           string           `json:"userInfoEndpoint"`
	AvailableGrantTypes        []string         `json:"availableGrantTypes"`
	EnableTokenGeneration      bool             `json:"enableTokenGeneration"`
	EnableTokenEncryption      bool             `json:"enableTokenEncryption"`
	EnableTokenHashing         bool             `json:"enableTokenHashing"`
	EnableOAuthAppCreation     bool             `json:"enableOAuthAppCreation"`
	EnableMapOAuthConsumerApps bool             `json:"enableMapOAuthConsumerApps"`
	ApplicationConfiguration   []ConnectorField `json:"applicationConfiguration"`
	Alias                      string           `json:"alias"`
	TokenType                  string           `json:"tokenType"`
	AdditionalProperties       map[string]any   `json:"additionalProperties"`
}

// DevportalKeyManagers lists the Key Managers application developers can generate keys at.
func (c *Client) DevportalKeyManagers(ctx context.Context) ([]DevportalKeyManager, error) {
	var out struct {
		List []DevportalKeyManager `json:"list"`
	}
	_, err := c.rest(ctx, httpcall.Request{
		Op: "list devportal Key Managers", Method: http.MethodGet, URL: c.Base + DevportalPath + "/key-managers",
	}, &out, http.StatusOK)
	return out.List, err
}
