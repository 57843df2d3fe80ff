package is

import (
	"net/url"
	"strings"
	"testing"
)

// TestAPIResources: identity-server-7.md §8 API resources — POST 201 + Location + full body, 409 on a
// duplicate identifier or scope name, filter "identifier eq" with the runtime list property apiResources,
// limit/after paging, GET/PATCH (addedScopes; removedScopes 501)/DELETE by id, /{id}/scopes GET/PUT,
// DELETE /{id}/scopes/{name} 204, tenant-wide /scopes?filter, errors {code, message, description, traceId}.
func TestAPIResources(t *testing.T) {
	s := startDefault(t, "7.1.0")
	r := s.adminJSON("POST", apiResourcesPath, map[string]any{
		"name": "User-defined OAuth2 Resource", "identifier": "User-defined-oauth2-resource", "requiresAuthorization": true,
		"scopes": []map[string]string{{"name": "read", "displayName": "Read", "description": "reads"}},
	})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	m := r.json(t)
	id, _ := m["id"].(string)
	if r.header.Get("Location") != "https://localhost:9443"+apiResourcesPath+"/"+id {
		t.Errorf("Location %q", r.header.Get("Location"))
	}
	for _, k := range []string{"id", "name", "description", "identifier", "type", "requiresAuthorization", "scopes", "subscribedApplications", "properties", "self"} {
		if _, ok := m[k]; !ok {
			t.Errorf("create body lacks %s: %s", k, r.body)
		}
	}
	if sc := m["scopes"].([]any)[0].(map[string]any); sc["name"] != "read" || sc["displayName"] != "Read" || sc["id"] == "" {
		t.Errorf("scope %v", sc)
	}
	wantAPIError(t, s.adminJSON("POST", apiResourcesPath, map[string]any{"name": "x", "identifier": "User-defined-oauth2-resource"}), 409, "APR-60003")
	wantAPIError(t, s.adminJSON("POST", apiResourcesPath, map[string]any{"name": "x", "identifier": "other",
		"scopes": []map[string]string{{"name": "read"}}}), 409, "APR-60004")
	id2 := s.apiResource(t, "second-api", "write")
	id3 := s.apiResource(t, "third-api")

	r = s.adminJSON("GET", apiResourcesPath+"?filter="+url.QueryEscape("identifier eq User-defined-oauth2-resource"), nil)
	m = r.json(t)
	list, ok := m["apiResources"].([]any)
	if r.status != 200 || !ok || len(list) != 1 || m["totalResults"] != float64(1) || list[0].(map[string]any)["id"] != id {
		t.Fatalf("filter: %d %s", r.status, r.body)
	}
	if strings.Contains(r.body, `"APIResources"`) {
		t.Errorf("list property must be apiResources at runtime: %s", r.body)
	}
	wantAPIError(t, s.adminJSON("GET", apiResourcesPath+"?filter=identifier", nil), 400, "APR-60001")

	// Paging: limit 2 → next link with an after cursor that yields the third resource.
	m = s.adminJSON("GET", apiResourcesPath+"?limit=2", nil).json(t)
	links := m["links"].([]any)
	if len(m["apiResources"].([]any)) != 2 || len(links) != 1 || links[0].(map[string]any)["rel"] != "next" {
		t.Fatalf("page 1: %v", m)
	}
	next := links[0].(map[string]any)["href"].(string)
	next = strings.TrimPrefix(next, "/t/carbon.super")
	m = s.adminJSON("GET", next, nil).json(t)
	if items := m["apiResources"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != id3 {
		t.Fatalf("page 2 via %s: %v", next, m)
	}
	if links := m["links"].([]any); len(links) != 1 || links[0].(map[string]any)["rel"] != "previous" {
		t.Errorf("page 2 links %v", links)
	}

	if r := s.adminJSON("GET", apiResourcesPath+"/"+id, nil); r.status != 200 || r.json(t)["identifier"] != "User-defined-oauth2-resource" {
		t.Errorf("get: %d %s", r.status, r.body)
	}
	wantAPIError(t, s.adminJSON("GET", apiResourcesPath+"/nope", nil), 404, "APR-60008")

	if r := s.adminJSON("PATCH", apiResourcesPath+"/"+id, map[string]any{"addedScopes": []map[string]string{{"name": "admin_scope"}}}); r.status != 204 {
		t.Errorf("patch addedScopes: %d %s", r.status, r.body)
	}
	if r := s.adminJSON("PATCH", apiResourcesPath+"/"+id, map[string]any{"removedScopes": []string{"read"}}); r.status != 501 {
		t.Errorf("patch removedScopes: %d %s", r.status, r.body)
	}
	wantAPIError(t, s.adminJSON("PATCH", apiResourcesPath+"/"+id, map[string]any{"addedScopes": []map[string]string{{"name": "write"}}}), 409, "APR-60004")
	r = s.adminJSON("GET", apiResourcesPath+"/"+id+"/scopes", nil)
	if r.status != 200 || !strings.HasPrefix(r.body, `[{"id":`) || !strings.Contains(r.body, `"name":"read"`) || !strings.Contains(r.body, `"name":"admin_scope"`) {
		t.Errorf("scopes: %d %s", r.status, r.body)
	}
	if r := s.adminJSON("PUT", apiResourcesPath+"/"+id+"/scopes", []map[string]string{{"name": "read"}, {"name": "new_scope"}}); r.status != 204 {
		t.Errorf("put scopes: %d %s", r.status, r.body)
	}
	if r := s.adminJSON("GET", apiResourcesPath+"/"+id+"/scopes", nil); strings.Contains(r.body, "admin_scope") || !strings.Contains(r.body, "new_scope") {
		t.Errorf("PUT must replace the scope list: %s", r.body)
	}
	if r := s.adminJSON("DELETE", apiResourcesPath+"/"+id+"/scopes/new_scope", nil); r.status != 204 {
		t.Errorf("delete scope: %d", r.status)
	}
	r = s.adminJSON("GET", tenantScopesPath+"?filter="+url.QueryEscape("name eq write"), nil)
	if r.status != 200 || !strings.Contains(r.body, `"name":"write"`) || strings.Contains(r.body, `"name":"read"`) {
		t.Errorf("tenant scopes: %d %s", r.status, r.body)
	}
	if r := s.adminJSON("DELETE", apiResourcesPath+"/"+id2, nil); r.status != 204 {
		t.Errorf("delete: %d", r.status)
	}
	if r := s.adminJSON("GET", apiResourcesPath+"/"+id2, nil); r.status != 404 {
		t.Errorf("get after delete: %d", r.status)
	}
}

// TestAPIResourceScopePatchByVersion: §8 — PATCH /{id}/scopes/{scopeName} exists from 7.1.0 only; on
// 7.0.0 the path is known for DELETE alone, so the method is not allowed.
func TestAPIResourceScopePatchByVersion(t *testing.T) {
	for v, want := range map[string]int{"7.0.0": 405, "7.1.0": 204, "7.2.0": 204} {
		s := startDefault(t, v)
		id := s.apiResource(t, "p-api", "read")
		r := s.adminJSON("PATCH", apiResourcesPath+"/"+id+"/scopes/read", map[string]string{"displayName": "Read all"})
		if r.status != want {
			t.Errorf("%s: PATCH scope %d, want %d", v, r.status, want)
			continue
		}
		if want == 204 {
			if body := s.adminJSON("GET", apiResourcesPath+"/"+id+"/scopes", nil).body; !strings.Contains(body, `"displayName":"Read all"`) {
				t.Errorf("%s: displayName not patched: %s", v, body)
			}
		}
	}
}
