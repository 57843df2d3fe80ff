package wso2is

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// UserInfoResult is the OIDC userinfo endpoint's answer as IS sent it. Without the openid scope IS answers
// 403 insufficient_scope with WWW-Authenticate: Bearer error="insufficient_scope".
type UserInfoResult struct {
	Answer
	// Claims is the JSON body of a 200 answer.
	Claims map[string]any
	// Code and Description are the OAuth error of a non-200 answer (from the body, or else from
	// WWW-Authenticate's error and error_description).
	Code, Description string
}

// WWWAuthenticate is the answer's WWW-Authenticate header.
func (r *UserInfoResult) WWWAuthenticate() string { return r.Header.Get("WWW-Authenticate") }

// UserInfo calls the userinfo endpoint (discovery's userinfo_endpoint, /oauth2/userinfo) with a bearer
// token and returns the answer whatever its status; only transport failures are errors.
func (c *Client) UserInfo(ctx context.Context, endpoint, token string) (*UserInfoResult, error) {
	resp, err := httpcall.Do(ctx, c.HTTP, httpcall.Request{
		Op: "read userinfo at IS", Method: http.MethodGet, URL: endpoint, Auth: httpcall.Bearer(token),
	})
	if err != nil {
		return nil, err
	}
	r := &UserInfoResult{Answer: answerOf(resp)}
	if resp.Status == http.StatusOK {
		_ = json.Unmarshal(resp.Body, &r.Claims)
		return r, nil
	}
	var e OAuthError
	if json.Unmarshal(resp.Body, &e) == nil && e.Error != "" {
		r.Code, r.Description = e.Error, e.ErrorDescription
	} else {
		params := bearerChallenge(r.WWWAuthenticate())
		r.Code, r.Description = params["error"], params["error_description"]
	}
	return r, nil
}

// MeResult is /scim2/Me's answer as IS sent it: the token owner's SCIM user on 200, a SCIM error otherwise.
type MeResult struct {
	Answer
	User    *SCIMUser
	Failure *SCIMFailure
}

// SCIMMe reads the token owner's profile from /scim2/Me with a bearer token, as API-M's IS7 connector does
// for user info, and returns the answer whatever its status; only transport failures are errors.
func (c *Client) SCIMMe(ctx context.Context, token string) (*MeResult, error) {
	req := httpcall.Request{
		Op: "read /scim2/Me at IS", Method: http.MethodGet, URL: c.Base + SCIMMePath, Auth: httpcall.Bearer(token),
		Headers: map[string]string{"Accept": SCIMContentType},
	}
	resp, err := httpcall.Do(ctx, c.HTTP, req)
	if err != nil {
		return nil, err
	}
	r := &MeResult{Answer: answerOf(resp)}
	if resp.Status == http.StatusOK {
		var u SCIMUser
		if err := decodeSCIMUser(req, resp, &u); err != nil {
			return nil, err
		}
		r.User = &u
		return r, nil
	}
	r.Failure = scimFailure(req.Op, resp)
	return r, nil
}

// bearerChallenge reads the auth-params of a Bearer challenge (RFC 6750 §3), e.g.
// Bearer error="insufficient_scope", error_description="…".
func bearerChallenge(h string) map[string]string {
	out := map[string]string{}
	if len(h) < 6 || !strings.EqualFold(h[:6], "Bearer") {
		return out
	}
	for _, m := range authParam.FindAllStringSubmatch(h[6:], -1) {
		out[m[1]] = m[2] + m[3] // quoted or token value; the other group is empty
	}
	return out
}

var authParam = regexp.MustCompile(`([A-Za-z_]+)\s*=\s*(?:"([^"]*)"|([^,\s]+))`)
