package wso2is

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// Revoke revokes a token at revocationEndpoint (RFC 7009) with Basic client auth. IS answers 200 for
// known and unknown tokens alike; any other answer is an *OAuthFailure.
func (c *Client) Revoke(ctx context.Context, revocationEndpoint, clientID, clientSecret, token, hint string) error {
	r, err := c.RevokeRaw(ctx, revocationEndpoint, BasicAuth(clientID, clientSecret), token, hint)
	if err != nil {
		return err
	}
	return r.Failure()
}

// RevokeResult is the revocation endpoint's answer as IS sent it. On success IS sends 200 with an empty
// body (and, when configured, RevokedAccessToken/RevokedRefreshToken/AuthorizedUser headers); on failure
// an OAuth error, e.g. 400 invalid_request without a token or 401 invalid_client with bad client auth.
type RevokeResult struct {
	Answer
	Code, Description string
	op                string
}

// Failure is nil for a 200 answer, else the *OAuthFailure it stands for.
func (r *RevokeResult) Failure() error {
	if r.Status == http.StatusOK {
		return nil
	}
	return &OAuthFailure{Op: r.op, Status: r.Status, Code: r.Code, Description: r.Description, Header: r.Header, Body: r.Body}
}

// RevokeRaw posts a revocation request and returns the answer whatever its status; only transport
// failures are errors. An empty token is left out of the form, an empty hint too.
func (c *Client) RevokeRaw(ctx context.Context, revocationEndpoint string, auth ClientAuth, token, hint string) (*RevokeResult, error) {
	const op = "revoke a token at IS"
	form := url.Values{}
	if token != "" {
		form.Set("token", token)
	}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	header, body := c.apply(auth, form)
	resp, err := httpcall.Do(ctx, c.HTTP, httpcall.Request{
		Op: op, Method: http.MethodPost, URL: revocationEndpoint, Form: body, Auth: header,
	})
	if err != nil {
		return nil, err
	}
	r := &RevokeResult{Answer: answerOf(resp), op: op}
	if resp.Status != http.StatusOK {
		f := oauthFailure(op, resp)
		r.Code, r.Description = f.Code, f.Description
	}
	return r, nil
}
