package apim

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func scopeSim(t *testing.T, ver string, km func(map[string]any)) (*sim, *fakeIS, *fakeISScopes) {
	t.Helper()
	is, hosts := newFakeIS(t, isCert)
	fs := addScopeEndpoints(is)
	sm := newSim(t, ver, defaultTOML, hosts, isCert)
	body := is.is7KM("IS7")
	body["scopeManagementEndpoint"] = is.base + "/api/identity/oauth2/v1.0/scopes"
	if km != nil {
		km(body)
	}
	sm.createKM(body)
	return sm, is, fs
}

func withRolesFlag(v any) func(map[string]any) {
	return func(b map[string]any) { b["additionalProperties"].(map[string]any)["enable_roles_creation"] = v }
}

func TestScopeRegistrationAPIResources(t *testing.T) {
	// api-manager-4.md §2.2 "Scopes", identity-server-7.md §8: from connector 2.0.3 (4.4+) scopes go into the
	// API resource User-defined-oauth2-resource, found by filter, created when missing, else PATCH addedScopes.
	for _, ver := range []string{"4.4.0", "4.5.0", "4.6.0"} {
		t.Run(ver, func(t *testing.T) {
			sm, _, fs := scopeSim(t, ver, nil)
			expect(t, call(t, "POST", sm.pub("/apis"), scopedAPI("A", "a", "orders_read")), http.StatusCreated)
			gets := fs.find("GET", "/api/server/v1/api-resources")
			if len(gets) == 0 || gets[0].query != "filter=identifier%20eq%20User-defined-oauth2-resource" {
				t.Fatalf("resource lookup %v", gets)
			}
			posts := fs.find("POST", "/api/server/v1/api-resources")
			if len(posts) != 1 {
				t.Fatalf("resource creates: %v", posts)
			}
			b := posts[0].body
			if b["identifier"] != "User-defined-oauth2-resource" || b["name"] != "User-defined OAuth2 Resource" || b["requiresAuthorization"] != true {
				t.Fatalf("resource body %v", b)
			}
			sc := b["scopes"].([]any)[0].(map[string]any)
			if sc["name"] != "orders_read" || sc["displayName"] != "orders_read display" || sc["description"] != "d" {
				t.Fatalf("scope %v", sc)
			}
			if posts[0].auth != basicAuth("admin", "admin") || posts[0].contentType != "application/json" {
				t.Fatalf("auth %q content type %q", posts[0].auth, posts[0].contentType)
			}
			// A second API's scope is added to the existing resource.
			expect(t, call(t, "POST", sm.pub("/apis"), scopedAPI("B", "b", "orders_write")), http.StatusCreated)
			patches := fs.find("PATCH", "/api/server/v1/api-resources/res-1")
			if len(patches) != 1 || patches[0].body["addedScopes"].([]any)[0].(map[string]any)["name"] != "orders_write" {
				t.Fatalf("patches %v", patches)
			}
			// A scope IS already holds is neither patched nor re-created (isScopeExists).
			n := fs.count()
			expect(t, call(t, "POST", sm.pub("/apis"), scopedAPI("C", "c", "orders_read")), http.StatusCreated)
			if len(fs.find("PATCH", "/api/server/v1/api-resources")) != 1 || len(fs.find("POST", "/api/server/v1/api-resources")) != 1 || fs.count() == n {
				t.Fatalf("existing scope re-registered or not checked: %v", fs.calls)
			}
			if len(fs.find("HEAD", "/")) != 0 {
				t.Fatal("2.0.3+ must not use the legacy scopes API")
			}
		})
	}
}

func TestScopeRegistrationLegacy43(t *testing.T) {
	// api-manager-4.md §2.2, §8: connector 2.0.2 (4.3 GA) registers through scopeManagementEndpoint (HEAD
	// /name/{name}, then POST with the bindings as given); the IS 7 endpoint keys and the roles flag are ignored.
	sm, _, fs := scopeSim(t, "4.3.0", withRolesFlag(true))
	expect(t, call(t, "POST", sm.pub("/apis"), scopedAPI("A", "a", "orders_read", "manager", "Internal/subscriber")), http.StatusCreated)
	heads := fs.find("HEAD", "/api/identity/oauth2/v1.0/scopes/name/orders_read")
	posts := fs.find("POST", "/api/identity/oauth2/v1.0/scopes")
	if len(heads) != 1 || len(posts) != 1 {
		t.Fatalf("legacy calls %v", fs.calls)
	}
	b := posts[0].body
	if b["name"] != "orders_read" || b["displayName"] != "orders_read display" ||
		!slices.Equal(anyStrings(b["bindings"]), []string{"manager", "Internal/subscriber"}) {
		t.Fatalf("legacy body %v", b)
	}
	if len(fs.find("POST", "/api/server/v1")) != 0 || len(fs.find("POST", "/scim2")) != 0 {
		t.Fatalf("4.3 GA called API resources or roles: %v", fs.calls)
	}
	// Registered once: a second API with the same scope key finds it (HEAD 200) and posts nothing.
	expect(t, call(t, "POST", sm.pub("/apis"), scopedAPI("B", "b", "orders_read")), http.StatusCreated)
	if len(fs.find("POST", "/api/identity/oauth2/v1.0/scopes")) != 1 {
		t.Fatal("existing legacy scope registered again")
	}
}

func TestScopeRoleBindingsPerConnector(t *testing.T) {
	// api-manager-4.md §8 and KM@v2.0.3/v2.0.4 createWSO2IS7RoleToScopeBindings:
	// - 4.4 GA (2.0.3) has no flag: a missing bound role is created under its API-M name;
	// - 4.5+ (2.0.4+) creates only when enable_roles_creation is the JSON boolean true, then with IS naming;
	// - an existing role always gets the scope added (GET, then PATCH replace with the whole list).
	cases := []struct {
		ver   string
		flag  any
		roles []string // roles IS has afterwards, besides the seeded "existing" role
	}{
		{"4.4.0", nil, []string{"manager", "Internal/subscriber"}},
		{"4.4.0", true, []string{"manager", "Internal/subscriber"}}, // the key is stored but means nothing to 2.0.3
		{"4.5.0", nil, nil},
		{"4.5.0", "true", nil}, // a string is not read (instanceof Boolean)
		{"4.5.0", false, nil},
		{"4.5.0", true, []string{"system_primary_manager", "subscriber"}},
		{"4.6.0", true, []string{"system_primary_manager", "subscriber"}},
	}
	for _, c := range cases {
		t.Run(c.ver+"/"+strings.ReplaceAll(stringOf(c.flag), "/", ""), func(t *testing.T) {
			var edit func(map[string]any)
			if c.flag != nil {
				edit = withRolesFlag(c.flag)
			}
			sm, _, fs := scopeSim(t, c.ver, edit)
			// The API-M role "existing" is found in IS under its IS name.
			existing := "existing"
			if slices.Contains(c.roles, "subscriber") {
				existing = "system_primary_existing"
			}
			fs.addRole(existing, map[string]any{"value": "old_scope", "display": "old"})
			expect(t, call(t, "POST", sm.pub("/apis"), scopedAPI("A", "a", "orders_read", "manager", "Internal/subscriber", "existing")), http.StatusCreated)
			got := slices.DeleteFunc(fs.roleNames(), func(n string) bool { return n == existing })
			slices.Sort(got)
			want := slices.Clone(c.roles)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("IS roles %v, want %v", got, want)
			}
			for _, n := range c.roles {
				creates := fs.find("POST", "/scim2/v2/Roles")
				var body map[string]any
				for _, cr := range creates {
					if cr.path == "/scim2/v2/Roles" && cr.body["displayName"] == n {
						body = cr.body
					}
				}
				// identity-server-7.md §8 lists audience/schemas for the IS API; the connector's WSO2IS7RoleInfo
				// sends only displayName and permissions.
				p := body["permissions"].([]any)[0].(map[string]any)
				if len(body) != 2 || p["value"] != "orders_read" || p["display"] != "orders_read display" {
					t.Fatalf("role create body %v", body)
				}
			}
			search := fs.find("POST", "/scim2/v2/Roles/.search")
			if len(search) != 3 || search[0].body["filter"] == nil || anyStrings(search[0].body["schemas"])[0] != scimSearchRequest {
				t.Fatalf("role searches %v", search)
			}
			perms := fs.role(existing).perms
			if len(perms) != 2 || perms[1].(map[string]any)["value"] != "orders_read" {
				t.Fatalf("existing role permissions %v", perms)
			}
		})
	}
}

func TestSharedScopeCreatesRole(t *testing.T) {
	// api-manager-4.md §9 is7_role_creation: a shared scope bound to a new role creates that role in IS;
	// publisher-api-v4.yaml /scopes: POST 201 Scope, GET list, GET by id.
	sm, _, fs := scopeSim(t, "4.5.0", withRolesFlag(true))
	r := call(t, "POST", sm.pub("/scopes"), map[string]any{"name": "shared_read", "displayName": "Shared read",
		"description": "d", "bindings": []string{"Internal/reader", "admin"}})
	expect(t, r, http.StatusCreated)
	id := str(r.json(t)["id"])
	if id == "" || r.header.Get("Location") != publisherBase+"/scopes/"+id {
		t.Fatalf("created %s, Location %q", r.raw, r.header.Get("Location"))
	}
	for _, n := range []string{"reader", "system_primary_admin"} {
		if fs.role(n) == nil {
			t.Fatalf("role %s not created; roles %v", n, fs.roleNames())
		}
	}
	if got := call(t, "GET", sm.pub("/scopes/"+id), nil).json(t); got["name"] != "shared_read" ||
		!slices.Equal(anyStrings(got["bindings"]), []string{"Internal/reader", "admin"}) {
		t.Fatalf("shared scope GET %v", got)
	}
	if l := call(t, "GET", sm.pub("/scopes"), nil).json(t); l["count"] != float64(1) {
		t.Fatalf("list %v", l)
	}
	// UNCONFIRMED: 409 for a name already in use.
	expect(t, call(t, "POST", sm.pub("/scopes"), map[string]any{"name": "shared_read"}), http.StatusConflict)
	expect(t, call(t, "POST", sm.pub("/scopes"), map[string]any{"displayName": "x"}), http.StatusBadRequest)
	// An API using the shared scope does not register it again (it is not a local scope); it only reads it
	// back (validateSharedScopes → getScopeByName).
	n := fs.count()
	body := scopedAPI("A", "a", "shared_read")
	expect(t, call(t, "POST", sm.pub("/apis"), body), http.StatusCreated)
	for _, c := range fs.calls[n:] {
		if c.method != "GET" {
			t.Fatalf("shared scope re-registered by an API: %v", fs.calls[n:])
		}
	}
	expect(t, call(t, "DELETE", sm.pub("/scopes/"+id), nil), http.StatusOK)
	expect(t, call(t, "GET", sm.pub("/scopes/"+id), nil), http.StatusNotFound)
}

func TestScopeRegistrationUnreachableKM(t *testing.T) {
	// api-manager-4.md §9 pinned behaviour: registration fans out synchronously, so API creates fail while a
	// KM is unreachable (900967). UNCONFIRMED: 500 with ExceptionCodes.INTERNAL_ERROR's texts; an IS that
	// answers with an error is only logged.
	sm, is, fs := scopeSim(t, "4.5.0", nil)
	dead := is.is7KM("Dead")
	dead["issuer"] = "https://dead/oauth2/token"
	dead["additionalProperties"].(map[string]any)["api_resource_management_endpoint"] = "https://wso2is:1/api/server/v1/api-resources"
	deadID := sm.createKM(dead)
	r := call(t, "POST", sm.pub("/apis"), scopedAPI("A", "a", "orders_read"))
	expect(t, r, http.StatusInternalServerError)
	if j := r.json(t); j["code"] != float64(900967) || j["message"] != "General Error" || j["description"] != "Server Error Occurred" {
		t.Fatalf("body %s", r.raw)
	}
	if c := call(t, "GET", sm.pub("/apis"), nil).json(t)["count"]; c != float64(0) {
		t.Fatalf("failed create left an API: %v", c)
	}
	if !strings.Contains(sm.logBuf.String(), "Error while registering Scope orders_readin Key Manager Dead") {
		t.Fatalf("log:\n%s", sm.logBuf.String())
	}
	// An API without scopes touches no KM and is created.
	expect(t, call(t, "POST", sm.pub("/apis"), map[string]any{"name": "Plain", "context": "plain", "version": "1.0.0"}), http.StatusCreated)
	// A shared scope fails the same way (UNCONFIRMED) and is not stored.
	expect(t, call(t, "POST", sm.pub("/scopes"), map[string]any{"name": "s1"}), http.StatusInternalServerError)
	// A disabled KM is not loaded, so it is not called.
	km := call(t, "GET", sm.admin("/key-managers/"+deadID), nil).json(t)
	km["enabled"] = false
	expect(t, call(t, "PUT", sm.admin("/key-managers/"+deadID), km), http.StatusOK)
	expect(t, call(t, "POST", sm.pub("/apis"), scopedAPI("A", "a", "orders_read")), http.StatusCreated)
	// An IS that answers 500 is logged only.
	fs.mu.Lock()
	fs.failWith = http.StatusInternalServerError
	fs.mu.Unlock()
	expect(t, call(t, "POST", sm.pub("/apis"), scopedAPI("B", "b", "orders_write")), http.StatusCreated)
}

func TestScopeRegistrationOnUpdate(t *testing.T) {
	// A scope added by PUT /apis/{id} is registered like on create (APIProviderImpl.updateAPI → addLocalScopes).
	sm, _, fs := scopeSim(t, "4.6.0", nil)
	r := call(t, "POST", sm.pub("/apis"), map[string]any{"name": "A", "context": "a", "version": "1.0.0"})
	expect(t, r, http.StatusCreated)
	id := str(r.json(t)["id"])
	if fs.count() != 0 {
		t.Fatalf("scope-less create called IS: %v", fs.calls)
	}
	upd := scopedAPI("A", "a", "orders_read")
	expect(t, call(t, "PUT", sm.pub("/apis/"+id), upd), http.StatusOK)
	if len(fs.find("POST", "/api/server/v1/api-resources")) != 1 {
		t.Fatalf("update did not register the new scope: %v", fs.calls)
	}
	n := fs.count()
	expect(t, call(t, "PUT", sm.pub("/apis/"+id), upd), http.StatusOK)
	if fs.count() != n {
		t.Fatal("an unchanged scope set was registered again")
	}
}

func TestIS7RoleName(t *testing.T) {
	// identity-server-7.md §8 / api-manager-4.md §8 naming with role creation on; unchanged when off.
	for in, want := range map[string]string{"manager": "system_primary_manager", "Internal/publisher": "publisher", "admin": "system_primary_admin"} {
		if got, err := is7RoleName(in, true); err != nil || got != want {
			t.Fatalf("%s → %q %v, want %q", in, got, err, want)
		}
		if got, _ := is7RoleName(in, false); got != in {
			t.Fatalf("%s unmapped → %q", in, got)
		}
	}
	if _, err := is7RoleName("Application/x", true); err == nil {
		t.Fatal("Application/ roles are invalid")
	}
}

func anyStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		out = append(out, str(x))
	}
	return out
}

func stringOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "absent"
	case string:
		return "string"
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	return "other"
}
