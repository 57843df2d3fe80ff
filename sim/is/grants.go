package is

import (
	"net/url"
	"slices"
)

// grantedScopes is the grant's view of the requested scopes: de-duplicated, and an application token
// never gets "openid". Which of them IS authorizes (API resources, authorize_all_scopes, roles — §10)
// is decided once for every grant in issue (authorizeScopes, authorize_scopes.go).
func grantedScopes(requested []string, appToken bool) []string {
	var out []string
	for _, sc := range requested {
		if appToken && sc == "openid" {
			continue
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// grantClientCredentials issues an application token: no refresh token (IsRefreshTokenAllowed is false
// for client_credentials, §4), authorized user = the app owner.
func grantClientCredentials(s *server, a *app, params url.Values) (*grantResult, *oauthError) {
	return &grantResult{user: a.owner, appToken: true, scopes: grantedScopes(scopesOf(params.Get("scope")), true)}, nil
}

// grantPassword authenticates the resource owner against the user store: the [super_admin] and users
// created through SCIM2 (users.go) (§4: "Authentication failed for <username>").
func grantPassword(s *server, a *app, params url.Values) (*grantResult, *oauthError) {
	name := params.Get("username")
	u := s.authenticateUser(name, params.Get("password"))
	if u == nil {
		return nil, &oauthError{status: 400, code: "invalid_grant", desc: "Authentication failed for " + name}
	}
	return &grantResult{
		user:   u.name,
		scopes: grantedScopes(scopesOf(params.Get("scope")), false),
		// UNCONFIRMED (§4): chose to issue a refresh token only when the app may use the refresh_token grant.
		issueRefresh: a.allows("refresh_token"),
	}, nil
}

// grantRefresh renews a token pair (§4 messages "Invalid refresh token value in the request" /
// "Invalid refresh token state"). The previous access and refresh tokens become inactive, and the
// interceptor is told about the previous access token (§9 point 3).
func grantRefresh(s *server, a *app, params url.Values) (*grantResult, *oauthError) {
	rt := params.Get("refresh_token")
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.lookupRefresh(rt)
	if t == nil || t.clientID != a.clientID {
		return nil, &oauthError{status: 400, code: "invalid_grant", desc: "Invalid refresh token value in the request"}
	}
	now := s.now()
	if t.refreshRevoked {
		return nil, &oauthError{status: 400, code: "invalid_grant", desc: "Invalid refresh token state"}
	}
	if !now.Before(t.refreshExpiry()) {
		// UNCONFIRMED (§4): message for an expired refresh token; chose RefreshGrantHandler's
		// "Refresh token is expired.".
		return nil, &oauthError{status: 400, code: "invalid_grant", desc: "Refresh token is expired."}
	}
	scopes := t.scopes
	if req := scopesOf(params.Get("scope")); len(req) > 0 {
		for _, sc := range req {
			if !slices.Contains(t.scopes, sc) {
				return nil, &oauthError{status: 400, code: "invalid_scope", desc: "Invalid Scope!"}
			}
		}
		scopes = req
	}
	prev := *t
	t.accessRevoked, t.refreshRevoked = true, true
	return &grantResult{user: t.user, appToken: t.appToken, scopes: scopes, issueRefresh: true, previous: &prev,
		fedIdP: t.fedIdP, subject: t.subjectID}, nil
}
