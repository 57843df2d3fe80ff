package is

import (
	"strings"
	"testing"
)

func wantAPIError(t *testing.T, r resp, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if !strings.HasPrefix(r.body, `{"code":"`+code+`","message":`) {
		t.Errorf("error body %s, want code %s first", r.body, code)
	}
	m := r.json(t)
	for _, k := range []string{"code", "message", "description", "traceId"} {
		if s, _ := m[k].(string); s == "" {
			t.Errorf("error body lacks %s: %s", k, r.body)
		}
	}
}

// TestLegacyScopesAPI: identity-server-7.md §8 legacy scopes API (oauth2-scopes-v1.0 field names):
// POST 201 + Location, 409 conflict, GET list and by name, HEAD, PUT, DELETE 204, 404, error body
// {code, message, description, traceId}, Basic admin only.
func TestLegacyScopesAPI(t *testing.T) {
	s := startDefault(t, "7.1.0")
	body := map[string]any{"name": "profile", "displayName": "profile", "description": "get all profile information", "bindings": []string{"role1"}}
	r := s.adminJSON("POST", scopesPath, body)
	if r.status != 201 || r.header.Get("Location") != "https://localhost:9443"+scopesPath+"/name/profile" {
		t.Fatalf("create: %d %v %s", r.status, r.header, r.body)
	}
	if m := r.json(t); m["name"] != "profile" || m["displayName"] != "profile" || m["description"] != "get all profile information" {
		t.Errorf("create body %s", r.body)
	}
	wantAPIError(t, s.adminJSON("POST", scopesPath, body), 409, "41004")
	if r := s.adminJSON("POST", scopesPath, map[string]any{"name": "nodisplay"}); r.status != 400 {
		t.Errorf("missing displayName: %d", r.status)
	}
	s.adminJSON("POST", scopesPath, map[string]any{"name": "email", "displayName": "email"})
	if r := s.adminJSON("GET", scopesPath, nil); r.status != 200 || !strings.HasPrefix(r.body, `[{"name":"email"`) || !strings.Contains(r.body, `"name":"profile"`) {
		t.Errorf("list: %d %s", r.status, r.body)
	}
	if r := s.adminJSON("GET", scopesPath+"?startIndex=1&count=1", nil); r.status != 200 || !strings.HasPrefix(r.body, `[{"name":"profile"`) || strings.Contains(r.body, "email") {
		t.Errorf("list page: %s", r.body)
	}
	if r := s.adminJSON("GET", scopesPath+"/name/profile", nil); r.status != 200 || r.json(t)["bindings"].([]any)[0] != "role1" {
		t.Errorf("get: %d %s", r.status, r.body)
	}
	if r := s.adminJSON("HEAD", scopesPath+"/name/profile", nil); r.status != 200 {
		t.Errorf("head existing: %d", r.status)
	}
	if r := s.adminJSON("HEAD", scopesPath+"/name/nope", nil); r.status != 404 {
		t.Errorf("head missing: %d", r.status)
	}
	r = s.adminJSON("PUT", scopesPath+"/name/profile", map[string]any{"displayName": "Profile", "description": "d2", "bindings": []string{"role3"}})
	if m := r.json(t); r.status != 200 || m["name"] != "profile" || m["displayName"] != "Profile" || m["bindings"].([]any)[0] != "role3" {
		t.Errorf("put: %d %s", r.status, r.body)
	}
	wantAPIError(t, s.adminJSON("PUT", scopesPath+"/name/nope", map[string]any{"displayName": "x"}), 404, "41003")
	if r := s.adminJSON("DELETE", scopesPath+"/name/profile", nil); r.status != 204 {
		t.Errorf("delete: %d", r.status)
	}
	wantAPIError(t, s.adminJSON("GET", scopesPath+"/name/profile", nil), 404, "41003")
	wantAPIError(t, s.adminJSON("DELETE", scopesPath+"/name/profile", nil), 404, "41003")
	if r := s.do("GET", scopesPath, nil, map[string]string{"Authorization": basic("admin", "wrong")}); r.status != 401 {
		t.Errorf("wrong admin password: %d", r.status)
	}
}
