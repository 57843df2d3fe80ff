package wso2is

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// recorder keeps the last request body and content type a fake endpoint saw.
type recorder struct {
	method, path, query, contentType, accept string
	body                                     map[string]any
	admin                                    bool
}

func (rec *recorder) see(r *http.Request) {
	rec.method, rec.path, rec.query = r.Method, r.URL.Path, r.URL.RawQuery
	rec.contentType, rec.accept = r.Header.Get("Content-Type"), r.Header.Get("Accept")
	rec.admin = isAdmin(r)
	rec.body = nil
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &rec.body)
}

func scimWrite(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", SCIMContentType)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestSCIMUsers(t *testing.T) {
	rec := &recorder{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /scim2/Users", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		if rec.body["userName"] == "taken" {
			scimWrite(w, 409, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"uniqueness","detail":"User with the name: taken already exists in the system.","status":"409"}`)
			return
		}
		scimWrite(w, 201, `{"id":"u-1","userName":"bob","name":{"givenName":"Bob","familyName":"B"},"emails":[{"value":"bob@example.com","primary":true}],"meta":{"resourceType":"User","location":"https://wso2is:9443/scim2/Users/u-1"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`)
	})
	mux.HandleFunc("GET /scim2/Users/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		if r.PathValue("id") != "u-1" {
			scimWrite(w, 404, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"Specified resource (e.g., User) or end-point does not exist.","status":"404"}`)
			return
		}
		scimWrite(w, 200, `{"id":"u-1","userName":"bob","active":true,"urn:scim:wso2:schema":{"accountLocked":true}}`)
	})
	mux.HandleFunc("PATCH /scim2/Users/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		scimWrite(w, 200, `{"id":"u-1","userName":"bob"}`)
	})
	mux.HandleFunc("DELETE /scim2/Users/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		w.WriteHeader(204)
	})
	c, _ := fakeIS(t, mux)

	u, err := c.CreateUser(ctx(t), NewUser{UserName: "bob", Password: "bob-pw-1", GivenName: "Bob", FamilyName: "B", Emails: []string{"bob@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if !rec.admin || rec.contentType != SCIMContentType || rec.accept != SCIMContentType {
		t.Errorf("request headers: %+v", rec)
	}
	want := `{"emails":[{"primary":true,"value":"bob@example.com"}],"name":{"familyName":"B","givenName":"Bob"},"password":"bob-pw-1","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob"}`
	if got := jsonOf(rec.body); got != want {
		t.Errorf("create body = %s\nwant %s", got, want)
	}
	if u.ID != "u-1" || u.Name.GivenName != "Bob" || u.Emails[0].Value != "bob@example.com" || u.Meta.ResourceType != "User" {
		t.Errorf("user = %+v", u)
	}

	_, err = c.CreateUser(ctx(t), NewUser{UserName: "taken", Password: "pw-secret-1"})
	var f *SCIMFailure
	if !errors.As(err, &f) || f.Status != 409 || f.SCIMType != "uniqueness" || f.BodyStatus != "409" || !strings.Contains(f.Detail, "already exists") {
		t.Errorf("duplicate: %v", err)
	}
	if strings.Contains(err.Error(), "pw-secret-1") {
		t.Error("the password is in the message")
	}

	got, err := c.GetUser(ctx(t), "u-1")
	if err != nil {
		t.Fatal(err)
	}
	if locked, ok := got.Locked(); !ok || !locked || got.Active == nil || !*got.Active {
		t.Errorf("get = %+v", got)
	}
	if _, err := c.GetUser(ctx(t), "u-2"); !errors.As(err, &f) || f.Status != 404 {
		t.Errorf("missing user: %v", err)
	}

	patches := []struct {
		call func() error
		want string
	}{
		{func() error { return c.SetUserPassword(ctx(t), "u-1", "new-pw") },
			`{"Operations":[{"op":"replace","value":{"password":"new-pw"}}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`},
		{func() error { return c.SetUserActive(ctx(t), "u-1", false) },
			`{"Operations":[{"op":"replace","value":{"active":false}}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`},
		{func() error { return c.SetUserLocked(ctx(t), "u-1", true) },
			`{"Operations":[{"op":"replace","value":{"urn:scim:wso2:schema":{"accountLocked":true}}}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`},
	}
	for _, p := range patches {
		if err := p.call(); err != nil {
			t.Fatal(err)
		}
		if got := jsonOf(rec.body); got != p.want || rec.method != http.MethodPatch || rec.path != "/scim2/Users/u-1" {
			t.Errorf("%s %s %s, want %s", rec.method, rec.path, got, p.want)
		}
	}
	if err := c.DeleteUser(ctx(t), "u-1"); err != nil || rec.method != http.MethodDelete {
		t.Errorf("delete: %v", err)
	}
}

func TestRoles(t *testing.T) {
	rec := &recorder{}
	role := `{"id":"r-1","displayName":"system_primary_reader","audience":{"value":"org-1","display":"carbon.super","type":"organization"},"meta":{"location":"https://wso2is:9443/scim2/v2/Roles/r-1","resourceType":"Role"},"schemas":["urn:ietf:params:scim:schemas:extension:2.0:Role"]}`
	list := `{"totalResults":1,"startIndex":1,"itemsPerPage":1,"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[` + role + `]}`
	mux := http.NewServeMux()
	mux.HandleFunc("POST /scim2/v2/Roles", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		if rec.body["displayName"] == "taken" {
			scimWrite(w, 409, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"uniqueness","detail":"Role already exists","status":"409"}`)
			return
		}
		scimWrite(w, 201, role)
	})
	mux.HandleFunc("POST /scim2/v2/Roles/.search", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		scimWrite(w, 200, list)
	})
	mux.HandleFunc("GET /scim2/v2/Roles", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		scimWrite(w, 200, list)
	})
	mux.HandleFunc("GET /scim2/v2/Roles/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		scimWrite(w, 200, `{"id":"r-1","displayName":"system_primary_reader","users":[{"value":"u-1","display":"bob","$ref":"https://wso2is:9443/scim2/Users/u-1"}],"permissions":[{"value":"read:pets","display":"read pets"}]}`)
	})
	mux.HandleFunc("PATCH /scim2/v2/Roles/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		scimWrite(w, 200, role)
	})
	mux.HandleFunc("DELETE /scim2/v2/Roles/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		w.WriteHeader(204)
	})
	c, _ := fakeIS(t, mux)

	r, err := c.CreateRole(ctx(t), NewRole{DisplayName: "system_primary_reader", Audience: &RoleAudience{Value: "org-1", Type: "organization"}, Users: []string{"u-1"}, Permissions: []string{"read:pets"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"audience":{"type":"organization","value":"org-1"},"displayName":"system_primary_reader","permissions":[{"value":"read:pets"}],"schemas":["urn:ietf:params:scim:schemas:extension:2.0:Role"],"users":[{"value":"u-1"}]}`
	if got := jsonOf(rec.body); got != want || rec.contentType != SCIMContentType || !rec.admin {
		t.Errorf("create body = %s\nwant %s", got, want)
	}
	if r.ID != "r-1" || r.Audience.Display != "carbon.super" {
		t.Errorf("role = %+v", r)
	}
	if _, err := c.CreateRole(ctx(t), NewRole{DisplayName: "taken"}); err == nil {
		t.Error("duplicate role created")
	} else if f := (*SCIMFailure)(nil); !errors.As(err, &f) || f.Status != 409 {
		t.Errorf("duplicate: %v", err)
	}

	found, err := c.FindRole(ctx(t), "system_primary_reader")
	if err != nil || found == nil || found.ID != "r-1" {
		t.Fatalf("find = %+v, %v", found, err)
	}
	if got := jsonOf(rec.body); got != `{"filter":"displayName eq system_primary_reader","schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}` {
		t.Errorf("search body = %s", got)
	}
	if missing, err := c.FindRole(ctx(t), "other"); err != nil || missing != nil {
		t.Errorf("find other = %+v, %v", missing, err)
	}
	l, err := c.FilterRoles(ctx(t), RoleNameFilter("system_primary_reader"))
	if err != nil || l.TotalResults != 1 || rec.query != "filter=displayName+eq+system_primary_reader" {
		t.Errorf("filter = %+v %v (query %q)", l, err, rec.query)
	}

	full, err := c.GetRole(ctx(t), "r-1")
	if err != nil || !full.HasUser("u-1") || !full.HasPermission("read:pets") || full.HasUser("u-2") {
		t.Errorf("get = %+v, %v", full, err)
	}
	if err := c.AddRoleUsers(ctx(t), "r-1", "u-2", "u-3"); err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(rec.body); got != `{"Operations":[{"op":"add","path":"users","value":[{"value":"u-2"},{"value":"u-3"}]}],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}` {
		t.Errorf("patch body = %s", got)
	}
	if err := c.DeleteRole(ctx(t), "r-1"); err != nil || rec.path != "/scim2/v2/Roles/r-1" {
		t.Errorf("delete: %v", err)
	}
}

func TestAPIResources(t *testing.T) {
	rec := &recorder{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/server/v1/api-resources", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		writeJSON(w, 200, `{"totalResults":1,"links":[],"apiResources":[{"id":"ar-1","name":"User-defined OAuth2 Resource","identifier":"User-defined-oauth2-resource","type":"BUSINESS","requiresAuthorization":true,"self":"/t/carbon.super/api/server/v1/api-resources/ar-1"}]}`)
	})
	mux.HandleFunc("GET /api/server/v1/api-resources/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		if r.PathValue("id") != "ar-1" {
			writeJSON(w, 404, `{"code":"APR-60005","message":"API resource not found.","description":"Unable to find API resource.","traceId":"tr-9"}`)
			return
		}
		writeJSON(w, 200, `{"id":"ar-1","name":"User-defined OAuth2 Resource","identifier":"User-defined-oauth2-resource","requiresAuthorization":true,"scopes":[{"id":"s-1","name":"read:pets","displayName":"read pets"}],"self":"x"}`)
	})
	mux.HandleFunc("GET /api/server/v1/api-resources/{id}/scopes", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `[{"id":"s-1","name":"read:pets","displayName":"read pets","description":"d"}]`)
	})
	mux.HandleFunc("GET /api/server/v1/scopes", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		writeJSON(w, 200, `[{"id":"s-1","name":"read:pets","displayName":"read pets"}]`)
	})
	mux.HandleFunc("POST /api/server/v1/api-resources", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		w.Header().Set("Location", "/api/server/v1/api-resources/ar-2")
		writeJSON(w, 201, `{"id":"ar-2","name":"Pets","identifier":"https://pets","requiresAuthorization":true,"scopes":[{"id":"s-2","name":"pets:read","displayName":"Read"}],"self":"x"}`)
	})
	mux.HandleFunc("DELETE /api/server/v1/api-resources/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		w.WriteHeader(204)
	})
	c, _ := fakeIS(t, mux)

	res, err := c.FindAPIResource(ctx(t), "User-defined-oauth2-resource")
	if err != nil || res == nil || !res.HasScope("read:pets") || res.HasScope("write:pets") {
		t.Fatalf("find = %+v, %v", res, err)
	}
	l, err := c.ListAPIResources(ctx(t), "identifier eq User-defined-oauth2-resource")
	if err != nil || len(l.APIResources) != 1 || l.APIResources[0].Type != "BUSINESS" || rec.query != "filter=identifier+eq+User-defined-oauth2-resource" {
		t.Errorf("list = %+v, %v, query %q", l, err, rec.query)
	}
	scopes, err := c.APIResourceScopes(ctx(t), "ar-1")
	if err != nil || len(scopes) != 1 || scopes[0].Description != "d" {
		t.Errorf("scopes = %+v, %v", scopes, err)
	}
	tenant, err := c.TenantScopes(ctx(t), "name eq read:pets")
	if err != nil || len(tenant) != 1 || rec.query != "filter=name+eq+read%3Apets" {
		t.Errorf("tenant scopes = %+v, %v, query %q", tenant, err, rec.query)
	}
	_, err = c.GetAPIResource(ctx(t), "nope")
	var f *APIFailure
	if !errors.As(err, &f) || f.Status != 404 || f.Code != "APR-60005" || f.Message != "API resource not found." || f.TraceID != "tr-9" {
		t.Errorf("missing: %v", err)
	}
	created, err := c.CreateAPIResource(ctx(t), NewAPIResource{Name: "Pets", Identifier: "https://pets", RequiresAuthorization: true,
		Scopes: []APIScope{{Name: "pets:read", DisplayName: "Read"}}})
	if err != nil || created.ID != "ar-2" {
		t.Fatalf("create = %+v, %v", created, err)
	}
	if got := jsonOf(rec.body); got != `{"identifier":"https://pets","name":"Pets","requiresAuthorization":true,"scopes":[{"displayName":"Read","name":"pets:read"}]}` {
		t.Errorf("create body = %s", got)
	}
	if err := c.DeleteAPIResource(ctx(t), "ar-2"); err != nil || rec.path != "/api/server/v1/api-resources/ar-2" {
		t.Errorf("delete: %v", err)
	}
}

func TestOAuthScopes(t *testing.T) {
	rec := &recorder{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/identity/oauth2/v1.0/scopes", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		if rec.body["name"] == "dup" {
			writeJSON(w, 409, `{"code":"41004","message":"Scope already exists.","description":"Scope with the name dup already exists in the system.","traceId":"t"}`)
			return
		}
		writeJSON(w, 201, `{"name":"pets","displayName":"Pets","description":"d","bindings":["r1"]}`)
	})
	mux.HandleFunc("GET /api/identity/oauth2/v1.0/scopes/name/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"name":"`+r.PathValue("name")+`","displayName":"Pets","bindings":[]}`)
	})
	mux.HandleFunc("HEAD /api/identity/oauth2/v1.0/scopes/name/{name}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("name") {
		case "pets":
			w.WriteHeader(200)
		case "broken":
			w.WriteHeader(500)
		default:
			w.WriteHeader(404)
		}
	})
	mux.HandleFunc("DELETE /api/identity/oauth2/v1.0/scopes/name/{name}", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		w.WriteHeader(204)
	})
	c, _ := fakeIS(t, mux)

	s, err := c.CreateOAuthScope(ctx(t), OAuthScope{Name: "pets", DisplayName: "Pets", Description: "d", Bindings: []string{"r1"}})
	if err != nil || s.Name != "pets" || !reflect.DeepEqual(s.Bindings, []string{"r1"}) || !rec.admin {
		t.Fatalf("create = %+v, %v", s, err)
	}
	_, err = c.CreateOAuthScope(ctx(t), OAuthScope{Name: "dup", DisplayName: "Dup"})
	var f *APIFailure
	if !errors.As(err, &f) || f.Status != 409 || f.Code != "41004" {
		t.Errorf("duplicate: %v", err)
	}
	if got, err := c.GetOAuthScope(ctx(t), "pets"); err != nil || got.DisplayName != "Pets" {
		t.Errorf("get = %+v, %v", got, err)
	}
	for name, want := range map[string]bool{"pets": true, "nope": false} {
		if ok, err := c.OAuthScopeExists(ctx(t), name); err != nil || ok != want {
			t.Errorf("exists(%s) = %v, %v", name, ok, err)
		}
	}
	if _, err := c.OAuthScopeExists(ctx(t), "broken"); !errors.As(err, &f) || f.Status != 500 {
		t.Errorf("exists(broken): %v", err)
	}
	if err := c.DeleteOAuthScope(ctx(t), "pets"); err != nil || rec.path != "/api/identity/oauth2/v1.0/scopes/name/pets" {
		t.Errorf("delete: %v", err)
	}
}

func TestIdentityProviders(t *testing.T) {
	rec := &recorder{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/server/v1/identity-providers", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		if rec.body["name"] == "dup" {
			writeJSON(w, 409, `{"code":"IDP-60002","message":"Identity Provider already exists.","description":"Identity Provider with the name dup already exists.","traceId":"t-3"}`)
			return
		}
		w.Header().Set("Location", "/api/server/v1/identity-providers/idp-1")
		writeJSON(w, 201, `{"id":"idp-1","name":"kmconform-idp","isEnabled":true,"alias":"https://wso2is:9443/oauth2/token","idpIssuerName":"kmconform-issuer","certificate":{"certificates":["Y2VydA=="]}}`)
	})
	mux.HandleFunc("GET /api/server/v1/identity-providers/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"id":"idp-1","name":"kmconform-idp","isEnabled":true,"certificate":{"jwksUri":"https://idp/jwks"}}`)
	})
	mux.HandleFunc("DELETE /api/server/v1/identity-providers/{id}", func(w http.ResponseWriter, r *http.Request) {
		rec.see(r)
		w.WriteHeader(204)
	})
	c, _ := fakeIS(t, mux)

	pem := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	idp, err := c.CreateIdP(ctx(t), NewIdP{Name: "kmconform-idp", Alias: "https://wso2is:9443/oauth2/token", IdPIssuerName: "kmconform-issuer", CertificatesPEM: [][]byte{pem}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"alias":"https://wso2is:9443/oauth2/token","certificate":{"certificates":["` + base64.StdEncoding.EncodeToString(pem) + `"]},"idpIssuerName":"kmconform-issuer","name":"kmconform-idp"}`
	if got := jsonOf(rec.body); got != want || !rec.admin || rec.contentType != "application/json" {
		t.Errorf("create body = %s\nwant %s", got, want)
	}
	if idp.ID != "idp-1" || !idp.IsEnabled || idp.Certificate == nil || len(idp.Certificate.Certificates) != 1 {
		t.Errorf("idp = %+v", idp)
	}
	if _, err := c.CreateIdP(ctx(t), NewIdP{Name: "jwks", JWKSURI: "https://idp/jwks"}); err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(rec.body); got != `{"certificate":{"jwksUri":"https://idp/jwks"},"name":"jwks"}` {
		t.Errorf("jwks body = %s", got)
	}
	_, err = c.CreateIdP(ctx(t), NewIdP{Name: "dup"})
	var f *APIFailure
	if !errors.As(err, &f) || f.Status != 409 || f.Code != "IDP-60002" || f.Description != "Identity Provider with the name dup already exists." || f.TraceID != "t-3" {
		t.Errorf("duplicate: %v", err)
	}
	if got, err := c.GetIdP(ctx(t), "idp-1"); err != nil || got.Certificate.JWKSURI != "https://idp/jwks" {
		t.Errorf("get = %+v, %v", got, err)
	}
	if err := c.DeleteIdP(ctx(t), "idp-1"); err != nil || rec.method != http.MethodDelete || rec.path != "/api/server/v1/identity-providers/idp-1" {
		t.Errorf("delete: %v", err)
	}
}
