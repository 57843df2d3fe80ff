package is

import (
	"net/http"
)

// revoke serves POST /oauth2/revoke (RFC 7009; identity-server-7.md §6). Revoking an access token
// leaves its refresh token valid and vice versa; an unknown, expired or already revoked token is 200.
// Only an access-token revocation notifies API-M (§9 point 1).
func (s *server) revoke(w http.ResponseWriter, r *http.Request) {
	params, err := readParams(r)
	if err != nil || params.Get("token") == "" {
		(&oauthError{status: 400, code: "invalid_request", desc: "Invalid revocation request"}).write(w)
		return
	}
	tok, hint := params.Get("token"), params.Get("token_type_hint")
	c := readClientCreds(r, params)
	if c.basic && c.post {
		// §6: both client-authentication methods → 401. derived (§6, §9.1): OAuthRevocationEndpoint refuses
		// such a request itself, before OAuth2Service#revokeTokenByOAuthClient, whose post-revocation
		// listener call is what notifies on a failed authentication — so this failure notifies nothing.
		// UNCONFIRMED (§6 gives the status only): chose the client-authentication failure's body.
		(&oauthError{status: 401, code: "invalid_client", desc: "Client Authentication failed.", contentType: "text/html"}).write(w)
		return
	}
	org := orgOf(r)
	a, authErr := s.authenticateClientIn(c, org)

	now := s.now()
	s.mu.Lock()
	var accessTok, refreshTok *token
	if hint == "refresh_token" {
		if refreshTok = s.lookupRefresh(tok); refreshTok == nil {
			accessTok = s.lookupAccess(tok)
		}
	} else if accessTok = s.lookupAccess(tok); accessTok == nil {
		refreshTok = s.lookupRefresh(tok)
	}
	known := accessTok != nil || refreshTok != nil // IS holds the token, whatever its state or organization
	if accessTok != nil && (!accessTok.accessActive(now) || accessTok.org != org) {
		accessTok = nil
	}
	if refreshTok != nil && (!refreshTok.refreshActive(now) || refreshTok.org != org) {
		refreshTok = nil
	}
	if authErr != nil {
		s.mu.Unlock()
		if accessTok != nil {
			// derived (§9 point 1): OAuth2Service#revokeTokenByOAuthClient calls the post-revocation
			// listeners with the looked-up token even when client authentication failed, and the
			// interceptor does not look at the error, so API-M is notified although nothing was revoked.
			s.notif.revoked(*accessTok)
		}
		// §6: client authentication failure is 401 invalid_client with Content-Type text/html.
		(&oauthError{status: 401, code: "invalid_client", desc: "Client Authentication failed.", contentType: "text/html"}).write(w)
		return
	}
	owner := accessTok
	if owner == nil {
		owner = refreshTok
	}
	if owner == nil && s.faults.On("is-revoke-unknown-token-error") && !known {
		s.mu.Unlock()
		(&oauthError{status: 400, code: "invalid_request", desc: "Invalid revocation request"}).write(w)
		return
	}
	if owner != nil && owner.clientID != a.clientID {
		s.mu.Unlock()
		// UNCONFIRMED (§6): description of the unauthorized_client error; chose "Unauthorized Client".
		(&oauthError{status: 401, code: "unauthorized_client", desc: "Unauthorized Client"}).write(w)
		return
	}
	var revoked, faultNotice *token
	switch {
	case accessTok != nil:
		accessTok.accessRevoked = true
		cp := *accessTok
		revoked = &cp
	case refreshTok != nil:
		refreshTok.refreshRevoked = true
		if s.faults.On("is-notify-on-refresh-revoke") && refreshTok.accessActive(now) {
			cp := *refreshTok
			faultNotice = &cp
		}
	}
	s.mu.Unlock()
	if faultNotice != nil {
		// Fault is-notify-on-refresh-revoke: the access token stays active here, but API-M is told it is revoked.
		s.notif.revoked(*faultNotice)
	}

	if revoked != nil {
		if revoked.jwt {
			s.log.Info(logOAuth, "Access token with jti %s of client %s revoked", revoked.jti, revoked.clientID)
		} else {
			s.log.Info(logOAuth, "Access token of client %s revoked", revoked.clientID)
		}
		s.notif.revoked(*revoked)
	}
	// UNCONFIRMED (§6): RevokedAccessToken/RevokedRefreshToken/AuthorizedUser response headers depend on
	// isRevokeResponseHeadersEnabled, whose default is not documented; chose not to send them.
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}
