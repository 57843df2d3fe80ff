package wso2is

import (
	"context"
	"net/url"
)

// Token types of RFC 8693 §3 that IS's token-exchange grant reads and writes.
const (
	TokenTypeJWT         = "urn:ietf:params:oauth:token-type:jwt"
	TokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
)

// JWTBearer exchanges a signed JWT for a token (RFC 7523 §2.1). IS finds the IdP by the JWT's iss and
// checks one aud against the IdP's alias; harness/assertion builds such a JWT.
func (c *Client) JWTBearer(ctx context.Context, tokenEndpoint string, auth ClientAuth, assertion string, scopes ...string) (*Token, error) {
	form := scopeForm(url.Values{"grant_type": {GrantJWTBearer}, "assertion": {assertion}}, scopes)
	return c.tokenRequest(ctx, "get a jwt-bearer token from IS", tokenEndpoint, auth, form)
}

// SAML2Bearer exchanges a signed SAML 2.0 assertion for a token (RFC 7522 §2.1); assertion is the
// base64url encoding of the assertion's XML, as harness/assertion returns it.
func (c *Client) SAML2Bearer(ctx context.Context, tokenEndpoint string, auth ClientAuth, assertion string, scopes ...string) (*Token, error) {
	form := scopeForm(url.Values{"grant_type": {GrantSAML2Bearer}, "assertion": {assertion}}, scopes)
	return c.tokenRequest(ctx, "get a saml2-bearer token from IS", tokenEndpoint, auth, form)
}

// TokenExchangeRequest is a token-exchange request (RFC 8693 §2.1).
type TokenExchangeRequest struct {
	SubjectToken string
	// SubjectTokenType defaults to TokenTypeJWT, the type IS accepts for a JWT from a registered IdP.
	SubjectTokenType string
	// RequestedTokenType is optional; IS defaults to a JWT.
	RequestedTokenType string
	// Audience values, each sent as its own audience parameter.
	Audience []string
	Scopes   []string
}

// TokenExchange exchanges a subject token for an IS token; the answer's IssuedTokenType says what IS
// issued.
func (c *Client) TokenExchange(ctx context.Context, tokenEndpoint string, auth ClientAuth, r TokenExchangeRequest) (*Token, error) {
	typ := r.SubjectTokenType
	if typ == "" {
		typ = TokenTypeJWT
	}
	form := url.Values{"grant_type": {GrantTokenExchange}, "subject_token": {r.SubjectToken}, "subject_token_type": {typ}}
	if r.RequestedTokenType != "" {
		form.Set("requested_token_type", r.RequestedTokenType)
	}
	if len(r.Audience) > 0 {
		form["audience"] = append([]string(nil), r.Audience...)
	}
	return c.tokenRequest(ctx, "get a token-exchange token from IS", tokenEndpoint, auth, scopeForm(form, r.Scopes))
}

// NTLM asks for a token with a Windows NTLM token (grant iwa:ntlm). IS's handler needs Windows (Waffle),
// so on Linux the answer is a refusal; NTLM returns it as it is, for the check to assert.
func (c *Client) NTLM(ctx context.Context, tokenEndpoint string, auth ClientAuth, windowsToken string) (*Token, error) {
	form := url.Values{"grant_type": {GrantNTLM}, "windows_token": {windowsToken}}
	return c.tokenRequest(ctx, "get an iwa:ntlm token from IS", tokenEndpoint, auth, form)
}
