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
	res.scopes = s.authorizeScopes(res.user, res.appToken, res.scopes) // §10, for every grant
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
		jwt: a.jwtTokens(), tokenType: a.tokenType,
		issued: now.Truncate(time.Second), validity: time.Duration(lifetime) * time.Second,
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
