package wso2am

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/httpcall"
)

// GatewayAnswer is what the gateway said to one call. Code, Message and Description are filled when the
// body is API-M's authentication-failure JSON, whose code is a string.
type GatewayAnswer struct {
	Status      int
	Code        string
	Message     string
	Description string
	Body        string
	// WWWAuthenticate is the challenge of a 401 (several header lines joined with ", ").
	WWWAuthenticate string
	ContentType     string
	Header          http.Header
}

func (a GatewayAnswer) String() string {
	if a.Code != "" {
		return fmt.Sprintf("HTTP %d, code %s (%s: %s)", a.Status, a.Code, a.Message, a.Description)
	}
	body := strings.TrimSpace(evidence.Redact(a.Body))
	if len(body) > 200 {
		body = body[:200] + "…"
	}
	if body == "" {
		return fmt.Sprintf("HTTP %d", a.Status)
	}
	return fmt.Sprintf("HTTP %d: %s", a.Status, body)
}

// GatewayRequest is one call through the gateway.
type GatewayRequest struct {
	Method string // GET when empty
	// Path follows the gateway URL: /<context>/<version>/<resource>.
	Path string
	// Token is sent as a bearer token; empty sends no credentials (unless Header carries some).
	Token string
	// Header lines to add; they win over Token's Authorization and the default Accept.
	Header map[string]string
	// Body is sent as it is (set its Content-Type in Header); nil sends none.
	Body []byte
}

// CallAPI calls a published API through the gateway with a bearer token (empty: no credentials).
func (c *Client) CallAPI(ctx context.Context, path, token string) (GatewayAnswer, error) {
	return c.Call(ctx, GatewayRequest{Method: http.MethodGet, Path: path, Token: token})
}

// Call calls a published API through the gateway. Any status is an answer; only transport failures are
// errors.
func (c *Client) Call(ctx context.Context, g GatewayRequest) (GatewayAnswer, error) {
	method := g.Method
	if method == "" {
		method = http.MethodGet
	}
	req := httpcall.Request{Op: method + " API through the gateway", Method: method, URL: c.Gateway + g.Path, Headers: g.Header}
	if g.Token != "" {
		req.Auth = httpcall.Bearer(g.Token)
	}
	resp, err := httpcall.DoBody(ctx, c.HTTP, req, "", g.Body)
	if err != nil {
		return GatewayAnswer{}, err
	}
	a := GatewayAnswer{
		Status: resp.Status, Body: string(resp.Body), Header: resp.Header,
		WWWAuthenticate: strings.Join(resp.Header.Values("WWW-Authenticate"), ", "),
		ContentType:     resp.Header.Get("Content-Type"),
	}
	var body struct {
		Code        json.RawMessage `json:"code"`
		Message     string          `json:"message"`
		Description string          `json:"description"`
	}
	if json.Unmarshal(resp.Body, &body) == nil && len(body.Code) > 0 {
		// codeText keeps a number where API-M sends a string visible.
		a.Code, a.Message, a.Description = codeText(body.Code), body.Message, body.Description
	}
	return a, nil
}

// OAuthToken is a token endpoint answer.
type OAuthToken struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	ExpiresIn    int64  `json:"expires_in"`
	IDToken      string `json:"id_token"`
}

// ResidentJWKSURL is the Resident Key Manager's key set, against which its JWTs verify.
func (c *Client) ResidentJWKSURL() string { return c.Base + ResidentJWKSPath }

// ResidentToken gets a client_credentials token from API-M's own token endpoint (the Resident Key Manager).
func (c *Client) ResidentToken(ctx context.Context, consumerKey, consumerSecret string) (string, error) {
	t, err := c.ResidentClientCredentials(ctx, consumerKey, consumerSecret)
	if err != nil {
		return "", err
	}
	return t.AccessToken, nil
}

// ResidentClientCredentials gets a client_credentials token with scopes from the Resident Key Manager.
func (c *Client) ResidentClientCredentials(ctx context.Context, consumerKey, consumerSecret string, scopes ...string) (*OAuthToken, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	t, err := c.residentToken(ctx, "get a token from the Resident Key Manager", consumerKey, consumerSecret, form, scopes)
	if err != nil {
		return nil, err
	}
	return &t.OAuthToken, nil
}

// ResidentPasswordToken gets a password-grant token for a user from the Resident Key Manager.
func (c *Client) ResidentPasswordToken(ctx context.Context, consumerKey, consumerSecret, user, password string, scopes ...string) (*OAuthToken, error) {
	form := url.Values{"grant_type": {"password"}, "username": {user}, "password": {password}}
	t, err := c.residentToken(ctx, "get a password-grant token for "+user+" from the Resident Key Manager", consumerKey, consumerSecret, form, scopes)
	if err != nil {
		return nil, err
	}
	return &t.OAuthToken, nil
}

func (c *Client) residentToken(ctx context.Context, op, key, secret string, form url.Values, scopes []string) (*ExchangedToken, error) {
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	// ExchangedToken is OAuthToken plus the one field a token exchange adds.
	var out ExchangedToken
	_, err := c.rest(ctx, httpcall.Request{
		Op: op, Method: http.MethodPost, URL: c.Base + ResidentTokenPath, Form: form, Auth: httpcall.Basic(key, secret),
	}, &out, http.StatusOK)
	if err != nil {
		return nil, err
	}
	if out.AccessToken == "" {
		return nil, fmt.Errorf("%s: the answer has no access_token", op)
	}
	return &out, nil
}
