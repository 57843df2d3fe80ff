// Package wso2is is the harness's client of WSO2 Identity Server 7.x: OIDC discovery, the token,
// revocation and introspection endpoints. Paths follow IS's own documentation; endpoint URLs are read from
// discovery wherever IS publishes them, because they depend on [server] hostname.
package wso2is

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// DiscoveryPath is where IS 7 serves the OpenID Provider configuration of the super tenant.
const DiscoveryPath = "/oauth2/token/.well-known/openid-configuration"

// Client talks to one IS.
type Client struct {
	HTTP *http.Client
	// Base is how the harness names IS, e.g. https://wso2is:9443.
	Base string
	// Admin credentials ([super_admin] of IS).
	AdminUser, AdminPassword string
}

// Discovery is the subset of the OIDC discovery document the harness uses.
type Discovery struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint"`
	RevocationEndpoint    string   `json:"revocation_endpoint"`
	IntrospectionEndpoint string   `json:"introspection_endpoint"`
	RegistrationEndpoint  string   `json:"registration_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	GrantTypesSupported   []string `json:"grant_types_supported"`
}

// Discover fetches the discovery document.
func (c *Client) Discover(ctx context.Context) (*Discovery, error) {
	var d Discovery
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op: "read IS discovery", Method: http.MethodGet, URL: c.Base + DiscoveryPath,
	}, &d, http.StatusOK)
	if err != nil {
		return nil, err
	}
	if d.Issuer == "" || d.TokenEndpoint == "" || d.JWKSURI == "" {
		return nil, fmt.Errorf("read IS discovery: the document lacks issuer, token_endpoint or jwks_uri")
	}
	return &d, nil
}

// Token is a token endpoint answer.
type Token struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	ExpiresIn    int64  `json:"expires_in"`
	IDToken      string `json:"id_token"`
}

// OAuthError is the body IS answers token and revocation errors with.
type OAuthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// ClientCredentials gets an application token (RFC 6749 §4.4) from tokenEndpoint with Basic client auth.
func (c *Client) ClientCredentials(ctx context.Context, tokenEndpoint, clientID, clientSecret string, scopes ...string) (*Token, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	return c.token(ctx, "get a client_credentials token from IS", tokenEndpoint, clientID, clientSecret, form)
}

func (c *Client) token(ctx context.Context, op, endpoint, clientID, clientSecret string, form url.Values) (*Token, error) {
	var t Token
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op: op, Method: http.MethodPost, URL: endpoint, Form: form, Auth: httpcall.Basic(clientID, clientSecret),
	}, &t, http.StatusOK)
	if err != nil {
		return nil, err
	}
	if t.AccessToken == "" {
		return nil, fmt.Errorf("%s: the answer has no access_token", op)
	}
	return &t, nil
}

// Revoke revokes a token at revocationEndpoint (RFC 7009) with Basic client auth. IS answers 200 for
// known and unknown tokens alike.
func (c *Client) Revoke(ctx context.Context, revocationEndpoint, clientID, clientSecret, token, hint string) error {
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op: "revoke a token at IS", Method: http.MethodPost, URL: revocationEndpoint, Form: form,
		Auth: httpcall.Basic(clientID, clientSecret),
	}, nil, http.StatusOK)
	return err
}

// Introspection is an introspection answer (RFC 7662).
type Introspection struct {
	Active    bool   `json:"active"`
	ClientID  string `json:"client_id"`
	Username  string `json:"username"`
	TokenType string `json:"token_type"`
	Scope     string `json:"scope"`
	Exp       int64  `json:"exp"`
}

// Introspect asks IS whether a token is active, with the admin's Basic credentials (IS's default access
// rule for /oauth2/introspect).
func (c *Client) Introspect(ctx context.Context, introspectionEndpoint, token string) (*Introspection, error) {
	var in Introspection
	resp, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op: "introspect a token at IS", Method: http.MethodPost, URL: introspectionEndpoint,
		Form: url.Values{"token": {token}}, Auth: httpcall.Basic(c.AdminUser, c.AdminPassword),
	}, &in, http.StatusOK)
	if err != nil {
		return nil, err
	}
	if !json.Valid(resp.Body) {
		return nil, fmt.Errorf("introspect a token at IS: the answer is not JSON")
	}
	return &in, nil
}
