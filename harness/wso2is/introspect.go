package wso2is

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// Introspection is an introspection answer (RFC 7662).
type Introspection struct {
	Active    bool   `json:"active"`
	ClientID  string `json:"client_id"`
	Username  string `json:"username"`
	TokenType string `json:"token_type"` // Bearer, Refresh (refresh tokens) or JWT
	Scope     string `json:"scope"`
	Exp       int64  `json:"exp"`
	Iat       int64  `json:"iat"`
	Nbf       int64  `json:"nbf"`
	// Aut is APPLICATION for application tokens, APPLICATION_USER for user tokens.
	Aut string `json:"aut"`
	// Sub, Iss, Jti and Aud come with JWT tokens.
	Sub string    `json:"sub"`
	Iss string    `json:"iss"`
	Jti string    `json:"jti"`
	Aud Audiences `json:"aud"`
}

// Audiences is a JWT-style aud: one string or a list.
type Audiences []string

// UnmarshalJSON accepts a string or a list of strings.
func (a *Audiences) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*a = nil
		return nil
	}
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = Audiences{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("aud is neither a string nor a list of strings")
	}
	*a = many
	return nil
}

// Introspect asks IS whether a token is active, with the admin's Basic credentials (IS's default access
// rule for /oauth2/introspect). Anything but 200 is an *OAuthFailure.
func (c *Client) Introspect(ctx context.Context, introspectionEndpoint, token string) (*Introspection, error) {
	r, err := c.IntrospectRaw(ctx, introspectionEndpoint, AdminAuth(), token, "")
	if err != nil {
		return nil, err
	}
	if r.Status != http.StatusOK {
		return nil, &OAuthFailure{Op: r.op, Status: r.Status, Code: r.Code, Description: r.Description, Header: r.Header, Body: r.Body}
	}
	if r.Introspection == nil {
		return nil, fmt.Errorf("%s: the answer is not JSON", r.op)
	}
	return r.Introspection, nil
}

// IntrospectResult is the introspection endpoint's answer as IS sent it. An inactive token is 200 with
// the literal body {"active":false}; an empty token is 400 {"error":"Invalid input"}.
type IntrospectResult struct {
	Answer
	// Fields is the JSON body as a map (nil when the body is not a JSON object).
	Fields map[string]any
	// Introspection is the parsed body of a 200 answer.
	Introspection *Introspection
	// Code and Description are the error members of a non-200 answer.
	Code, Description string
	op                string
}

// IntrospectRaw posts an introspection request and returns the answer whatever its status; only
// transport failures are errors. auth is AdminAuth() for IS's default access rule, or the client's
// credentials where IS is configured to accept them. An empty hint is left out.
func (c *Client) IntrospectRaw(ctx context.Context, introspectionEndpoint string, auth ClientAuth, token, hint string) (*IntrospectResult, error) {
	const op = "introspect a token at IS"
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	header, body := c.apply(auth, form)
	resp, err := httpcall.Do(ctx, c.HTTP, httpcall.Request{
		Op: op, Method: http.MethodPost, URL: introspectionEndpoint, Form: body, Auth: header,
	})
	if err != nil {
		return nil, err
	}
	r := &IntrospectResult{Answer: answerOf(resp), op: op}
	_ = json.Unmarshal(resp.Body, &r.Fields)
	if resp.Status == http.StatusOK {
		var in Introspection
		if json.Unmarshal(resp.Body, &in) == nil && r.Fields != nil {
			r.Introspection = &in
		}
	} else {
		f := oauthFailure(op, resp)
		r.Code, r.Description = f.Code, f.Description
	}
	return r, nil
}
