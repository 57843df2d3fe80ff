// Package wso2is is the harness's client of WSO2 Identity Server 7.x: every endpoint and grant IS offers to
// API Manager as its Key Manager — OIDC discovery and JWKS, the token endpoint with each grant (including a
// browser-less login for authorization_code and the device flow), revocation, introspection, userinfo and
// /scim2/Me — and the admin APIs the checks set up with: DCR, SCIM2 users, roles v2, API resources, the legacy
// OAuth2 scopes API and identity providers.
//
// Calls that IS refuses come back as typed errors (OAuthFailure, DCRFailure, SCIMFailure, APIFailure,
// FlowError) so a check can assert the exact status and error code; the *Raw calls return whatever IS
// answered. Paths follow IS's own documentation; the OAuth endpoint URLs are read from discovery wherever IS
// publishes them, because they depend on [server] hostname.
package wso2is

import (
	"context"
	"fmt"
	"net/http"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// DiscoveryPath is where IS 7 serves the OpenID Provider configuration of the super tenant.
const DiscoveryPath = "/oauth2/token/.well-known/openid-configuration"

// Client talks to one IS.
type Client struct {
	HTTP *http.Client
	// Base is how the harness names IS, e.g. https://wso2is:9443.
	Base string
	// Admin credentials ([super_admin] of IS), used with Basic auth on every admin API.
	AdminUser, AdminPassword string
}

// Discovery is the subset of the OIDC discovery document the harness uses.
type Discovery struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	IntrospectionEndpoint             string   `json:"introspection_endpoint"`
	RegistrationEndpoint              string   `json:"registration_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	DeviceAuthorizationEndpoint       string   `json:"device_authorization_endpoint"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
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

// admin authenticates an admin API call with the [super_admin] credentials.
func (c *Client) admin() httpcall.Auth {
	return httpcall.Basic(c.AdminUser, c.AdminPassword)
}

// Answer is an HTTP answer as IS sent it, for checks that assert the status, a header or the literal body.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

func answerOf(resp *httpcall.Response) Answer {
	return Answer{Status: resp.Status, Header: resp.Header, Body: resp.Body}
}
