package is

import (
	"net/url"
	"testing"
)

const meRule = `[[resource.access_control]]
context = "(.*)/scim2/Me"
secure = true
http_method = "GET"
cross_tenant = true
permissions = []
scopes = []
`

// TestScimMe: §6 — GET /scim2/Me with the end user's token. UNCONFIRMED (UNCONFIRMED-5): the default
// rule needs scope internal_login (403 without it); the DOCS-APIM [[resource.access_control]] block
// lifts that. UNCONFIRMED: an application token has no user → 401.
func TestScimMe(t *testing.T) {
	for _, withRule := range []bool{false, true} {
		extra := ""
		if withRule {
			extra = meRule
		}
		s := start(t, "7.1.0", newHome(t, "7.1.0", extra), Options{})
		id, secret := s.app("me", "", "password", "client_credentials")
		user := s.token(id, secret, url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}, "scope": {"apim:subscribe"}}).json(t)["access_token"].(string)
		r := s.do("GET", "/scim2/Me", nil, map[string]string{"Authorization": "Bearer " + user})
		if withRule {
			if r.status != 200 || r.json(t)["userName"] != "admin" || r.header.Get("Content-Type") != "application/scim+json" {
				t.Errorf("with rule: %d %s", r.status, r.body)
			}
		} else if r.status != 403 {
			t.Errorf("default rule without internal_login: %d %s", r.status, r.body)
		}
		app := s.token(id, secret, url.Values{"grant_type": {"client_credentials"}}).json(t)["access_token"].(string)
		if r := s.do("GET", "/scim2/Me", nil, map[string]string{"Authorization": "Bearer " + app}); r.status != 401 {
			t.Errorf("application token: %d", r.status)
		}
		if r := s.do("GET", "/scim2/Me", nil, map[string]string{"Authorization": "Bearer nope"}); r.status != 401 {
			t.Errorf("invalid token: %d", r.status)
		}
	}
}

// TestUserinfo: §6 — /oauth2/userinfo needs the openid scope: 403 insufficient_scope otherwise.
func TestUserinfo(t *testing.T) {
	s := startDefault(t, "7.1.0")
	id, secret := s.app("ui", "", "password")
	tok := s.token(id, secret, url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}}).json(t)["access_token"].(string)
	r := s.do("GET", "/oauth2/userinfo", nil, map[string]string{"Authorization": "Bearer " + tok})
	if r.status != 403 || r.json(t)["error"] != "insufficient_scope" || r.header.Get("WWW-Authenticate") != `Bearer error="insufficient_scope"` {
		t.Errorf("without openid: %d %v %s", r.status, r.header, r.body)
	}
	tok = s.token(id, secret, url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}, "scope": {"openid"}}).json(t)["access_token"].(string)
	if r := s.do("GET", "/oauth2/userinfo", nil, map[string]string{"Authorization": "Bearer " + tok}); r.status != 200 || r.json(t)["sub"] == nil {
		t.Errorf("with openid: %d %s", r.status, r.body)
	}
}
