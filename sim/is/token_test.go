package is

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestTokenErrors: the §4 error table — status, error code, exact description, WWW-Authenticate on 401.
func TestTokenErrors(t *testing.T) {
	s := startDefault(t, "7.2.0")
	id, secret := s.app("errapp", "", "client_credentials")
	cc := url.Values{"grant_type": {"client_credentials"}}
	cases := []struct {
		name       string
		r          resp
		status     int
		code, desc string
	}{
		{"unknown client", s.token("nope", "x", cc), 401, "invalid_client", "A valid OAuth client could not be found for client_id: nope"},
		{"wrong secret", s.token(id, "bad", cc), 401, "invalid_client", "Client credentials are invalid."},
		{"no client id", s.form("/oauth2/token", cc, ""), 401, "invalid_client", "Client ID not found in the request."},
		{"both methods", s.form("/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}, basic(id, secret)),
			400, "invalid_request", "The client MUST NOT use more than one authentication method in each"},
		{"grant not allowed", s.token(id, secret, url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}}),
			400, "unauthorized_client", "The authenticated client is not authorized to use this authorization grant type"},
		{"unsupported grant", s.token(id, secret, url.Values{"grant_type": {"urn:example:nope"}}), 400, "unsupported_grant_type", "Unsupported grant type : urn:example:nope, is used."},
		{"repeated", s.token(id, secret, url.Values{"grant_type": {"client_credentials"}, "scope": {"a", "b"}}), 400, "invalid_request", "Invalid request with repeated parameters."},
	}
	for _, c := range cases {
		if c.r.status != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, c.r.status, c.status, c.r.body)
			continue
		}
		want := `{"error_description":"` + c.desc + `","error":"` + c.code + `"}`
		if c.r.body != want {
			t.Errorf("%s: body %s, want %s", c.name, c.r.body, want)
		}
		if (c.status == 401) != (c.r.header.Get("WWW-Authenticate") != "") {
			t.Errorf("%s: WWW-Authenticate %q", c.name, c.r.header.Get("WWW-Authenticate"))
		}
	}
	// grant validation failure for the password grant (§4: "Authentication failed for <username>")
	pid, psecret := s.app("pwapp", "", "password")
	r := s.token(pid, psecret, url.Values{"grant_type": {"password"}, "username": {"bob"}, "password": {"x"}})
	if r.status != 400 || r.body != `{"error_description":"Authentication failed for bob","error":"invalid_grant"}` {
		t.Errorf("bad password: %d %s", r.status, r.body)
	}
}

// TestOpaqueClientCredentials: §4 — Default apps get opaque UUIDs, headers no-store/no-cache, expires_in
// from ext_application_token_lifetime, client_secret_post works, JSON bodies are accepted.
func TestOpaqueClientCredentials(t *testing.T) {
	s := startDefault(t, "7.1.0")
	id, secret := s.register(map[string]any{"client_name": "op", "grant_types": []string{"client_credentials"},
		"redirect_uris": []string{}, "ext_application_token_lifetime": 120})
	r := s.form("/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}, "")
	if r.status != 200 || r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" {
		t.Fatalf("token: %d %v %s", r.status, r.header, r.body)
	}
	m := r.json(t)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(m["access_token"].(string)) {
		t.Errorf("Default app token is not a UUID: %v", m["access_token"])
	}
	if m["token_type"] != "Bearer" || m["expires_in"] != float64(120) {
		t.Errorf("response %v", m)
	}
	if !strings.HasPrefix(r.body, `{"access_token":`) {
		t.Errorf("field order: %s", r.body)
	}
	j := s.do("POST", "/oauth2/token", strings.NewReader(`{"grant_type":"client_credentials"}`),
		map[string]string{"Content-Type": "application/json", "Authorization": basic(id, secret)})
	if j.status != 200 {
		t.Errorf("JSON body: %d %s", j.status, j.body)
	}
}

// TestTokenTypeChoice: §4 — ext_token_type wins over token_type_extension; neither → Default.
// UNCONFIRMED (UNCONFIRMED-10): other values (API-M's TOKEN_TYPE_DEFAULT) are treated like Default.
func TestTokenTypeChoice(t *testing.T) {
	s := startDefault(t, "7.1.0")
	cases := []struct {
		body map[string]any
		jwt  bool
	}{
		{map[string]any{"ext_token_type": "JWT", "token_type_extension": "Default"}, true},
		{map[string]any{"ext_token_type": "Default", "token_type_extension": "JWT"}, false},
		{map[string]any{"token_type_extension": "JWT"}, true},
		{map[string]any{}, false},
		{map[string]any{"token_type_extension": "TOKEN_TYPE_DEFAULT"}, false},
	}
	for i, c := range cases {
		c.body["client_name"] = "tt" + string(rune('a'+i))
		c.body["grant_types"] = []string{"client_credentials"}
		id, secret := s.register(c.body)
		m := s.token(id, secret, url.Values{"grant_type": {"client_credentials"}}).json(t)
		isJWT := strings.Count(m["access_token"].(string), ".") == 2
		if isJWT != c.jwt {
			t.Errorf("case %d %v: JWT = %v", i, c.body, isJWT)
		}
	}
}

// TestPasswordAndRefresh: §4 — password grant for the super admin issues a refresh token; the
// refresh_token grant renews the pair and the previous access token becomes inactive.
func TestPasswordAndRefresh(t *testing.T) {
	s := startDefault(t, "7.0.0")
	id, secret := s.app("pw", "JWT", "password", "refresh_token")
	m := s.token(id, secret, url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"admin"}, "scope": {"openid"}}).json(t)
	rt, _ := m["refresh_token"].(string)
	if rt == "" {
		t.Fatalf("no refresh token: %v", m)
	}
	_, cl, _ := decodeJWT(t, m["access_token"].(string))
	if cl["aut"] != "APPLICATION_USER" || cl["sub"] == id {
		t.Errorf("user token claims %v", cl)
	}
	r := s.token(id, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if r.status != 200 {
		t.Fatalf("refresh: %d %s", r.status, r.body)
	}
	m2 := r.json(t)
	if m2["access_token"] == m["access_token"] || m2["refresh_token"] == rt {
		t.Errorf("refresh did not renew the pair")
	}
	if got := s.introspect(m["access_token"].(string)).body; got != `{"active":false}` {
		t.Errorf("previous access token still active: %s", got)
	}
	again := s.token(id, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if again.status != 400 || !strings.Contains(again.body, `"error":"invalid_grant"`) {
		t.Errorf("reused refresh token: %d %s", again.status, again.body)
	}
	unknown := s.token(id, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nope"}})
	if unknown.body != `{"error_description":"Invalid refresh token value in the request","error":"invalid_grant"}` {
		t.Errorf("unknown refresh token: %s", unknown.body)
	}
}
