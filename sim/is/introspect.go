package is

import (
	"net/http"
	"strings"
	"time"
)

// introspect serves POST /oauth2/introspect (identity-server-7.md §6): Basic credentials of a user with
// application-management view permission (here: the super admin); client credentials only when a
// [[resource.access_control]] rule allows BasicClientAuthentication.
func (s *server) introspect(w http.ResponseWriter, r *http.Request) {
	if !s.introspectAuth(r) && !s.orgClientAuth(r) {
		// UNCONFIRMED (§6): body of the authentication-valve 401; chose an empty body.
		w.Header().Set("WWW-Authenticate", `Basic realm="WSO2 Identity Server"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	params, err := readParams(r)
	if err != nil || params.Get("token") == "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error": "Invalid input"}`))
		return
	}
	tok, hint := params.Get("token"), params.Get("token_type_hint")
	now, org := s.now(), orgOf(r)
	s.mu.Lock()
	var body []byte
	lookups := []func() []byte{
		func() []byte { return s.introspectAccess(tok, now, org) },
		func() []byte { return s.introspectRefresh(tok, now, org) },
	}
	if hint == "refresh_token" {
		lookups[0], lookups[1] = lookups[1], lookups[0]
	}
	for _, l := range lookups {
		if body = l(); body != nil {
			break
		}
	}
	s.mu.Unlock()
	if body == nil {
		body = []byte(`{"active":false}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func (s *server) introspectAuth(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	if !ok {
		return false
	}
	if s.isAdmin(u, p) {
		return true
	}
	if rule := s.rule(r.URL.Path, r.Method); rule != nil && rule.allowsHandler("BasicClientAuthentication") {
		s.mu.Lock()
		a := s.apps[u]
		s.mu.Unlock()
		return a != nil && a.clientSecret == p
	}
	return false
}

// introspectAccess is the active response for an access token (§6 keys), nil if tok is not an
// active access token. Callers hold s.mu.
func (s *server) introspectAccess(tok string, now time.Time, org string) []byte {
	t := s.lookupAccess(tok)
	if t == nil || t.org != org {
		return nil
	}
	revokedActive := s.faults.On("is-introspect-revoked-active") && now.Before(t.expiry())
	if !t.accessActive(now) && !revokedActive {
		return nil
	}
	aut := "APPLICATION_USER"
	if t.appToken {
		aut = "APPLICATION"
	}
	tt := "Bearer"
	if t.jwt {
		tt = "JWT"
	}
	pairs := append(introspectHead(t),
		kv{"token_type", tt},
		kv{"exp", t.expiry().Unix()},
		kv{"iat", t.issued.Unix()},
		kv{"nbf", t.issued.Unix()},
		kv{"aut", aut},
	)
	if t.jwt {
		pairs = append(pairs, kv{"aud", t.clientID}, kv{"jti", t.jti}, kv{"sub", s.subject(t)}, kv{"iss", s.orgIssuer(t.org)})
	}
	return orderedJSON(pairs)
}

// introspectRefresh answers for a refresh token: token_type "Refresh" (§6). Callers hold s.mu.
func (s *server) introspectRefresh(tok string, now time.Time, org string) []byte {
	t := s.lookupRefresh(tok)
	if t == nil || !t.refreshActive(now) || t.org != org {
		return nil
	}
	pairs := append(introspectHead(t),
		kv{"token_type", "Refresh"},
		kv{"exp", t.refreshExpiry().Unix()},
		kv{"iat", t.refreshIssued.Unix()},
		kv{"nbf", t.refreshIssued.Unix()},
	)
	return orderedJSON(pairs)
}

// introspectHead opens every active answer: active, scope (when the token has any), client_id, username.
func introspectHead(t *token) []kv {
	pairs := []kv{{"active", true}}
	if len(t.scopes) > 0 {
		pairs = append(pairs, kv{"scope", strings.Join(t.scopes, " ")})
	}
	return append(pairs, kv{"client_id", t.clientID}, kv{"username", t.user + "@carbon.super"})
}
