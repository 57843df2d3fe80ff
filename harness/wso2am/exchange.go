package wso2am

import (
	"context"
	"net/url"
)

// Token exchange at API-M's own token endpoint (RFC 8693): API-M's Resident Key Manager exchanges a JWT of
// an identity provider it trusts — one it created for a Key Manager registered with tokenType EXCHANGED or
// BOTH — for an API-M token.
const (
	GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	// TokenTypeJWT is RFC 8693 §3's token type of a JWT, the subject token type API-M's grant reads.
	TokenTypeJWT = "urn:ietf:params:oauth:token-type:jwt"
)

// ExchangeRequest is a token-exchange request to the Resident Key Manager.
type ExchangeRequest struct {
	SubjectToken string
	// SubjectTokenType defaults to TokenTypeJWT.
	SubjectTokenType string
	// RequestedTokenType is sent when set.
	RequestedTokenType string
	// OmitSubjectToken leaves subject_token out (for the check that API-M refuses such a request).
	OmitSubjectToken bool
}

// ExchangedToken is the token endpoint's answer to a token exchange.
type ExchangedToken struct {
	OAuthToken
	// IssuedTokenType is RFC 8693 §2.2.1's issued_token_type.
	IssuedTokenType string `json:"issued_token_type"`
}

// ResidentTokenExchange exchanges a subject token at API-M's token endpoint with the application's Resident
// Key Manager credentials (Basic). A refusal comes back as a *RESTError whose OAuthError and Description are
// the answer's error and error_description.
func (c *Client) ResidentTokenExchange(ctx context.Context, consumerKey, consumerSecret string, r ExchangeRequest) (*ExchangedToken, error) {
	typ := r.SubjectTokenType
	if typ == "" {
		typ = TokenTypeJWT
	}
	form := url.Values{"grant_type": {GrantTokenExchange}, "subject_token_type": {typ}}
	if !r.OmitSubjectToken {
		form.Set("subject_token", r.SubjectToken)
	}
	if r.RequestedTokenType != "" {
		form.Set("requested_token_type", r.RequestedTokenType)
	}
	return c.residentToken(ctx, "exchange a token at API-M's token endpoint", consumerKey, consumerSecret, form, nil)
}
