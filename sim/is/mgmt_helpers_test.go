package is

import (
	"bytes"
	"encoding/json"
	"testing"
)

// authorizeAll is the §10 deployment.toml block DOCS-APIM asks for.
const authorizeAll = "[oauth]\nauthorize_all_scopes = true\n"

func (s *sim) adminJSON(method, path string, body any) resp {
	s.t.Helper()
	return s.adminBody(method, path, "application/json", body)
}

func (s *sim) adminSCIM(method, path string, body any) resp {
	s.t.Helper()
	return s.adminBody(method, path, "application/scim+json", body)
}

// adminBody sends body, JSON-encoded as contentType, with the admin's Basic credentials.
func (s *sim) adminBody(method, path, contentType string, body any) resp {
	s.t.Helper()
	var buf bytes.Buffer
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		buf.Write(b)
	}
	return s.do(method, path, &buf, map[string]string{"Content-Type": contentType, "Authorization": basic("admin", "admin")})
}

// apiResource registers an API resource holding scopes and returns its id.
func (s *sim) apiResource(t *testing.T, identifier string, scopes ...string) string {
	t.Helper()
	var sc []map[string]string
	for _, n := range scopes {
		sc = append(sc, map[string]string{"name": n, "displayName": n})
	}
	r := s.adminJSON("POST", apiResourcesPath, map[string]any{"name": identifier, "identifier": identifier, "requiresAuthorization": true, "scopes": sc})
	if r.status != 201 {
		t.Fatalf("api resource: %d %s", r.status, r.body)
	}
	return r.json(t)["id"].(string)
}

// scimUser creates a user and returns its id.
func (s *sim) scimUser(t *testing.T, name, password string) string {
	t.Helper()
	r := s.adminSCIM("POST", usersPath, map[string]any{"schemas": []string{userSchema}, "userName": name, "password": password})
	if r.status != 201 {
		t.Fatalf("create user: %d %s", r.status, r.body)
	}
	return r.json(t)["id"].(string)
}

// role creates an organization role with users and permissions and returns its id.
func (s *sim) role(t *testing.T, name string, userIDs []string, perms ...string) string {
	t.Helper()
	var users, ps []map[string]string
	for _, u := range userIDs {
		users = append(users, map[string]string{"value": u})
	}
	for _, p := range perms {
		ps = append(ps, map[string]string{"value": p})
	}
	r := s.adminSCIM("POST", rolesPath, map[string]any{"schemas": []string{roleSchema}, "displayName": name, "users": users, "permissions": ps})
	if r.status != 201 {
		t.Fatalf("create role: %d %s", r.status, r.body)
	}
	return r.json(t)["id"].(string)
}
