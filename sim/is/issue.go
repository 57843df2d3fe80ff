package is

import (
	"fmt"
	"time"
)

// Default validity periods (identity.xml defaults: access 3600 s, refresh 86400 s).
const (
	defaultTokenLifetime   = 3600
	defaultRefreshLifetime = 86400
)

// issue creates and stores the access token (opaque UUID for Default apps, RS256 JWT for JWT apps —
// identity-server-7.md §4) and, when the grant asks for one, an opaque refresh token.
func (s *server) issue(a *app, res *grantResult) (*token, error) {
	subject := s.subjectOf(res)
	res.scopes = s.authorizeScopes(subject, res.appToken, res.scopes) // §10, for every grant
	now := s.now()
	lifetime := a.userTokenLifetime
	if res.appToken {
		lifetime = a.appTokenLifetime
	}
	if lifetime <= 0 {
		lifetime = defaultTokenLifetime
	}
	refreshLifetime := a.refreshTokenLifetime
	if refreshLifetime <= 0 {
		refreshLifetime = defaultRefreshLifetime
	}
	t := &token{
		clientID: a.clientID, user: res.user, appToken: res.appToken, scopes: res.scopes,
		subjectID: subject, fedIdP: res.fedIdP,
		jwt: a.jwtTokens(), tokenType: a.tokenType,
		issued: now.Truncate(time.Second), validity: time.Duration(lifetime) * time.Second,
		renewed: res.previous != nil, org: a.org,
	}
	if t.jwt {
		t.jti = newUUID()
		jwt, err := s.signAccessJWT(a, t)
		if err != nil {
			return nil, fmt.Errorf("sign JWT: %w", err)
		}
		t.access = jwt
	} else {
		t.access = newUUID()
	}
	if res.issueRefresh {
		t.refresh = newUUID()
		t.refreshIssued = t.issued
		t.refreshValidity = time.Duration(refreshLifetime) * time.Second
	}
	s.mu.Lock()
	s.access[t.access] = t
	if t.refresh != "" {
		s.refresh[t.refresh] = t
	}
	s.mu.Unlock()
	return t, nil
}

// subjectOf is the id of the token's own user (identity-server-7.md §4 "sub (user's subject
// identifier)"): "" for an application token (its sub is the client_id); the id the grant carries
// (refresh); for a federated user an id of its own, never a local user's even when the asserted
// subject has a local user's name; else the local user's id.
// UNCONFIRMED (§4): the federated user's id; chose a stable UUID per (IdP, subject), as IS keeps one id
// per federated user (IDN_AUTH_USER) apart from the local store.
func (s *server) subjectOf(res *grantResult) string {
	switch {
	case res.appToken:
		return ""
	case res.subject != "":
		return res.subject
	case res.fedIdP != "":
		return federatedID(res.fedIdP, res.user)
	}
	return s.subjectID(res.user)
}

// federatedID is the stable id of the federated user sub asserted by IdP idpName.
func federatedID(idpName, sub string) string { return nameUUID("FEDERATED/" + idpName + "/" + sub) }
