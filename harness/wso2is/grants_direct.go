// The grants that need neither a browser nor an assertion: client_credentials, password and refresh_token.

package wso2is

import (
	"context"
	"net/url"
)

// ClientCredentials gets an application token (RFC 6749 §4.4) from tokenEndpoint with Basic client auth.
func (c *Client) ClientCredentials(ctx context.Context, tokenEndpoint, clientID, clientSecret string, scopes ...string) (*Token, error) {
	return c.ClientCredentialsWith(ctx, tokenEndpoint, BasicAuth(clientID, clientSecret), scopes...)
}

// ClientCredentialsWith is ClientCredentials with any client authentication (e.g. client_secret_post).
func (c *Client) ClientCredentialsWith(ctx context.Context, tokenEndpoint string, auth ClientAuth, scopes ...string) (*Token, error) {
	form := scopeForm(url.Values{"grant_type": {GrantClientCredentials}}, scopes)
	return c.tokenRequest(ctx, "get a client_credentials token from IS", tokenEndpoint, auth, form)
}

// Password gets a user token with the resource owner's credentials (RFC 6749 §4.3). IS refuses wrong
// credentials with 400 invalid_grant "Authentication failed for <username>".
func (c *Client) Password(ctx context.Context, tokenEndpoint string, auth ClientAuth, username, password string, scopes ...string) (*Token, error) {
	form := scopeForm(url.Values{"grant_type": {GrantPassword}, "username": {username}, "password": {password}}, scopes)
	return c.tokenRequest(ctx, "get a password token from IS", tokenEndpoint, auth, form)
}

// RefreshToken renews a token (RFC 6749 §6). Scopes, when given, narrow the renewed token.
func (c *Client) RefreshToken(ctx context.Context, tokenEndpoint string, auth ClientAuth, refreshToken string, scopes ...string) (*Token, error) {
	form := scopeForm(url.Values{"grant_type": {GrantRefreshToken}, "refresh_token": {refreshToken}}, scopes)
	return c.tokenRequest(ctx, "refresh a token at IS", tokenEndpoint, auth, form)
}
