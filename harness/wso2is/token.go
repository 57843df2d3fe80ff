package wso2is

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kmconform/kmconform/harness/evidence"
	"github.com/kmconform/kmconform/harness/httpcall"
)

// Grant types as IS names them (discovery's grant_types_supported, DCR's grant_types).
const (
	GrantClientCredentials = "client_credentials"
	GrantPassword          = "password"
	GrantRefreshToken      = "refresh_token"
	GrantAuthorizationCode = "authorization_code"
	GrantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	GrantJWTBearer         = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	GrantSAML2Bearer       = "urn:ietf:params:oauth:grant-type:saml2-bearer"
	GrantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
	GrantNTLM              = "iwa:ntlm"
)

// AuthMethod is how a call to an OAuth endpoint authenticates.
type AuthMethod int

const (
	// AuthAdmin is Basic with the Client's admin user: introspection's default access rule. It is the zero
	// value so that an unset ClientAuth means "as the admin".
	AuthAdmin AuthMethod = iota
	// AuthBasic is client_secret_basic.
	AuthBasic
	// AuthPost is client_secret_post: client_id and client_secret in the form.
	AuthPost
	// AuthPublic is a public client: client_id in the form and no secret.
	AuthPublic
	// AuthNone sends no credentials at all (for checks that assert the refusal).
	AuthNone
)

// ClientAuth is the credentials a call to the token, revocation or introspection endpoint carries.
type ClientAuth struct {
	Method       AuthMethod
	ClientID     string
	ClientSecret string
}

// BasicAuth authenticates a client with HTTP Basic (client_secret_basic).
func BasicAuth(clientID, clientSecret string) ClientAuth {
	return ClientAuth{Method: AuthBasic, ClientID: clientID, ClientSecret: clientSecret}
}

// PostAuth authenticates a client with client_id and client_secret in the form (client_secret_post).
func PostAuth(clientID, clientSecret string) ClientAuth {
	return ClientAuth{Method: AuthPost, ClientID: clientID, ClientSecret: clientSecret}
}

// PublicClient identifies a public client (DCR ext_public_client) by its client_id only.
func PublicClient(clientID string) ClientAuth {
	return ClientAuth{Method: AuthPublic, ClientID: clientID}
}

// NoAuth sends no credentials.
func NoAuth() ClientAuth { return ClientAuth{Method: AuthNone} }

// AdminAuth authenticates with the Client's admin credentials (Basic).
func AdminAuth() ClientAuth { return ClientAuth{Method: AuthAdmin} }

// apply returns the header auth and a copy of form carrying the body credentials; the caller's form is
// left as it was.
func (c *Client) apply(a ClientAuth, form url.Values) (httpcall.Auth, url.Values) {
	out := url.Values{}
	for k, v := range form {
		out[k] = append([]string(nil), v...)
	}
	switch a.Method {
	case AuthAdmin:
		return c.admin(), out
	case AuthBasic:
		return httpcall.Basic(a.ClientID, a.ClientSecret), out
	case AuthPost:
		out.Set("client_id", a.ClientID)
		out.Set("client_secret", a.ClientSecret)
	case AuthPublic:
		out.Set("client_id", a.ClientID)
	}
	return nil, out
}

// Token is a token endpoint answer.
type Token struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	ExpiresIn    int64  `json:"expires_in"`
	IDToken      string `json:"id_token"`
	// IssuedTokenType is set by the token-exchange grant (RFC 8693 §2.2.1).
	IssuedTokenType string `json:"issued_token_type"`

	// Fields is every member of the answer, for checks on members the struct does not name.
	Fields map[string]any `json:"-"`
	// Header is the answer's headers (IS sends Cache-Control: no-store and Pragma: no-cache).
	Header http.Header `json:"-"`
}

// Scopes splits Scope.
func (t *Token) Scopes() []string { return strings.Fields(t.Scope) }

// OAuthError is the body IS answers token and revocation errors with.
type OAuthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// OAuthFailure is an answer of the token, revocation, introspection or device endpoint that is not a
// success: the status IS chose and the OAuth error it named. Checks get it with errors.As.
type OAuthFailure struct {
	// Op is the call, e.g. "get a password token from IS".
	Op     string
	Status int
	// Code is the body's "error" member (RFC 6749 §5.2), e.g. invalid_client; for introspection of an
	// empty token IS puts "Invalid input" there. Empty when the body is not an OAuth error.
	Code string
	// Description is the body's "error_description" member.
	Description string
	// Header is the answer's headers, e.g. WWW-Authenticate on 401 or Content-Type.
	Header http.Header
	// Body is the answer as sent; never printed by Error.
	Body []byte
}

func (f *OAuthFailure) Error() string {
	if f.Code == "" {
		body := strings.TrimSpace(evidence.Redact(string(f.Body)))
		if len(body) > 300 {
			body = body[:300] + "…"
		}
		if body == "" {
			body = "(no body)"
		}
		return fmt.Sprintf("%s: HTTP %d without an OAuth error: %s", f.Op, f.Status, body)
	}
	msg := fmt.Sprintf("%s: HTTP %d %s", f.Op, f.Status, f.Code)
	if f.Description != "" {
		msg += ": " + evidence.Redact(f.Description)
	}
	return msg
}

func oauthFailure(op string, resp *httpcall.Response) *OAuthFailure {
	f := &OAuthFailure{Op: op, Status: resp.Status, Header: resp.Header, Body: resp.Body}
	var e OAuthError
	if json.Unmarshal(resp.Body, &e) == nil {
		f.Code, f.Description = e.Error, e.ErrorDescription
	}
	return f
}

// TokenRequest posts form to the token endpoint with auth and returns the token, or an *OAuthFailure when
// IS answers anything but 200. Every grant goes through it.
func (c *Client) TokenRequest(ctx context.Context, endpoint string, auth ClientAuth, form url.Values) (*Token, error) {
	return c.tokenRequest(ctx, fmt.Sprintf("get a %s token from IS", form.Get("grant_type")), endpoint, auth, form)
}

func (c *Client) tokenRequest(ctx context.Context, op, endpoint string, auth ClientAuth, form url.Values) (*Token, error) {
	header, body := c.apply(auth, form)
	req := httpcall.Request{Op: op, Method: http.MethodPost, URL: endpoint, Form: body, Auth: header}
	resp, err := httpcall.Do(ctx, c.HTTP, req)
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, oauthFailure(op, resp)
	}
	var t Token
	if err := httpcall.Decode(req, resp, &t); err != nil {
		return nil, err
	}
	if err := httpcall.Decode(req, resp, &t.Fields); err != nil {
		return nil, err
	}
	if t.AccessToken == "" {
		return nil, fmt.Errorf("%s: the answer has no access_token (members: %s)", op, strings.Join(sortedKeys(t.Fields), ", "))
	}
	t.Header = resp.Header
	return &t, nil
}

// scopeForm adds a space-separated scope parameter when scopes are given.
func scopeForm(form url.Values, scopes []string) url.Values {
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	return form
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
