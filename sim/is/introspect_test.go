package is

import (
	"net/url"
	"testing"
)

func (s *sim) introspect(tok string) resp {
	return s.form("/oauth2/introspect", url.Values{"token": {tok}}, basic("admin", "admin"))
}

// TestIntrospect: §6 — Basic user credentials, empty token 400 {"error": "Invalid input"}, unknown
// token the literal {"active":false}, active keys, token_type JWT/Bearer/Refresh.
func TestIntrospect(t *testing.T) {
	s := start(t, "7.1.0", newHome(t, "7.1.0", authorizeAll), Options{})
	// §10: a user token carries s1 only when it is an API-resource scope held by one of the user's roles.
	s.apiResource(t, "in-api", "s1")
	s.role(t, "in-role", []string{s.s.admin.id}, "s1")
	id, secret := s.app("in", "JWT", "password", "refresh_token", "client_credentials")
	if r := s.form("/oauth2/introspect", url.Values{"token": {"x"}}, basic(id, secret)); r.status != 401 {
		t.Errorf("client credentials without access-control rule: %d", r.status)
	}
	if r := s.form("/oauth2/introspect", url.Values{"token": {""}}, basic("admin", "admin")); r.status != 400 || r.body != `{"error": "Invalid input"}` {
		t.Errorf("empty token: %d %s", r.status, r.body)
	}
	if r := s.introspect("unknown"); r.status != 200 || r.body != `{"active":false}` {
		t.Errorf("unknown token: %d %s", r.status, r.body)
	}
	m := s.token(id, secret, url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}, "scope": {"s1"}}).json(t)
	a := s.introspect(m["access_token"].(string)).json(t)
	if a["active"] != true || a["client_id"] != id || a["username"] != "admin@carbon.super" || a["token_type"] != "JWT" ||
		a["scope"] != "s1" || a["aut"] != "APPLICATION_USER" || a["jti"] == nil || a["iss"] == nil || a["exp"] == nil {
		t.Errorf("active JWT token: %v", a)
	}
	rf := s.form("/oauth2/introspect", url.Values{"token": {m["refresh_token"].(string)}, "token_type_hint": {"refresh_token"}}, basic("admin", "admin")).json(t)
	if rf["active"] != true || rf["token_type"] != "Refresh" {
		t.Errorf("refresh token: %v", rf)
	}
}

// TestIntrospectClientAuthRule: §6 — app credentials are accepted only with a [[resource.access_control]]
// rule allowing BasicClientAuthentication.
func TestIntrospectClientAuthRule(t *testing.T) {
	h := newHome(t, "7.1.0", `[[resource.access_control]]
context = "(.*)/oauth2/introspect(.*)"
http_method = "all"
secure = true
allowed_auth_handlers = "BasicClientAuthentication"
`)
	s := start(t, "7.1.0", h, Options{})
	id, secret := s.app("in2", "", "client_credentials")
	if r := s.form("/oauth2/introspect", url.Values{"token": {"x"}}, basic(id, secret)); r.status != 200 || r.body != `{"active":false}` {
		t.Errorf("client credentials with rule: %d %s", r.status, r.body)
	}
}
