package wso2am

import (
	"context"
	"encoding/json"
	"mime"
	"mime/multipart"
	"net/http"
	"reflect"
	"testing"
)

// A GET as API-M answers it for a WSO2-IS-7 Key Manager: Password masked (reference §2.1 "Masking"),
// self_validate_jwt kept in additionalProperties as well as at top level.
const storedKeyManager = `{
 "id":"km-1","name":"is7","displayName":"IS 7","type":"WSO2-IS-7","description":"d",
 "wellKnownEndpoint":"https://wso2is:9443/oauth2/token/.well-known/openid-configuration",
 "introspectionEndpoint":"https://wso2is:9443/oauth2/introspect",
 "clientRegistrationEndpoint":"https://wso2is:9443/api/identity/oauth2/dcr/v1.1/register",
 "tokenEndpoint":"https://wso2is:9443/oauth2/token","displayTokenEndpoint":"https://public.example/token",
 "revokeEndpoint":"https://wso2is:9443/oauth2/revoke","displayRevokeEndpoint":"https://public.example/revoke",
 "userInfoEndpoint":"https://wso2is:9443/scim2/Me","authorizeEndpoint":"https://wso2is:9443/oauth2/authorize",
 "scopeManagementEndpoint":"https://wso2is:9443/api/identity/oauth2/v1.0/scopes",
 "endpoints":[{"name":"token_endpoint","value":"https://wso2is:9443/oauth2/token"}],
 "certificates":{"type":"JWKS","value":"https://wso2is:9443/oauth2/jwks"},
 "issuer":"https://wso2is:9443/oauth2/token","alias":"https://wso2is:9443/oauth2/token",
 "availableGrantTypes":["client_credentials","password"],
 "enableTokenGeneration":true,"enableTokenEncryption":false,"enableTokenHashing":true,
 "enableMapOAuthConsumerApps":true,"enableOAuthAppCreation":true,"enableSelfValidationJWT":true,
 "claimMapping":[{"remoteClaim":"http://idp/username","localClaim":"http://wso2.org/username"}],
 "consumerKeyClaim":"azp","scopesClaim":"scope",
 "tokenValidation":[{"id":3,"enable":false,"type":"JWT","value":{"iss":"x"}}],
 "enabled":true,"global":false,
 "additionalProperties":{"Username":"admin","Password":"*****","self_validate_jwt":true,"api_resource_management_endpoint":"https://wso2is:9443/api/server/v1/api-resources"},
 "permissions":{"permissionType":"DENY","roles":["Internal/subscriber"]},
 "tokenType":"DIRECT","allowedOrganizations":["org-a"]}`

func TestGetKeyManagerReadsEverySchemaField(t *testing.T) {
	c, f := newFake(t, map[string]reply{"GET " + AdminPath + "/key-managers/km-1": {status: 200, body: storedKeyManager}})
	km, err := c.GetKeyManager(context.Background(), "km-1")
	if err != nil {
		t.Fatal(err)
	}
	wantAdmin(t, f.only())
	if km.DisplayTokenEndpoint != "https://public.example/token" || km.DisplayRevokeEndpoint != "https://public.example/revoke" ||
		km.Alias != "https://wso2is:9443/oauth2/token" || !km.EnableTokenHashing || km.EnableTokenEncryption ||
		km.TokenType != "DIRECT" || !reflect.DeepEqual(km.AllowedOrganizations, []string{"org-a"}) {
		t.Errorf("top-level fields: %+v", km)
	}
	if len(km.Endpoints) != 1 || km.Endpoints[0] != (KeyManagerEndpoint{"token_endpoint", "https://wso2is:9443/oauth2/token"}) {
		t.Errorf("endpoints: %+v", km.Endpoints)
	}
	if len(km.ClaimMapping) != 1 || km.ClaimMapping[0].RemoteClaim != "http://idp/username" {
		t.Errorf("claimMapping: %+v", km.ClaimMapping)
	}
	if len(km.TokenValidation) != 1 || km.TokenValidation[0].ID != 3 || km.TokenValidation[0].Enable || km.TokenValidation[0].Type != "JWT" ||
		!reflect.DeepEqual(km.TokenValidation[0].Value, map[string]any{"iss": "x"}) {
		t.Errorf("tokenValidation: %+v", km.TokenValidation)
	}
	if km.Permissions == nil || km.Permissions.PermissionType != "DENY" || !reflect.DeepEqual(km.Permissions.Roles, []string{"Internal/subscriber"}) {
		t.Errorf("permissions: %+v", km.Permissions)
	}
	if km.AdditionalProperties["Password"] != MaskedValue {
		t.Errorf("Password = %v, want the mask", km.AdditionalProperties["Password"])
	}
}

// Reference §2.1: a PUT sending "*****" keeps the stored secret, so a GET → change → PUT must send the mask
// back untouched, along with everything else it read.
func TestUpdateKeyManagerSendsMaskBack(t *testing.T) {
	c, f := newFake(t, map[string]reply{
		"GET " + AdminPath + "/key-managers/km-1": {status: 200, body: storedKeyManager},
		"PUT " + AdminPath + "/key-managers/km-1": {handle: func(w http.ResponseWriter, r *http.Request, body []byte) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body) // API-M answers 200 with the stored Key Manager
		}},
	})
	ctx := context.Background()
	km, err := c.GetKeyManager(ctx, "km-1")
	if err != nil {
		t.Fatal(err)
	}
	km.Description = "changed"
	km.Enabled = false
	out, err := c.UpdateKeyManager(ctx, km.ID, km)
	if err != nil {
		t.Fatal(err)
	}
	if out.Description != "changed" || out.Enabled {
		t.Errorf("answer not decoded: %+v", out)
	}
	reqs := f.all()
	if len(reqs) != 2 || reqs[1].Method != http.MethodPut || reqs[1].Path != AdminPath+"/key-managers/km-1" {
		t.Fatalf("requests: %+v", reqs)
	}
	wantAdmin(t, reqs[1])
	if ct := reqs[1].Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	sent := reqs[1].json(t)
	props := sent["additionalProperties"].(map[string]any)
	if props["Password"] != "*****" || props["Username"] != "admin" || props["self_validate_jwt"] != true {
		t.Errorf("additionalProperties sent: %v", props)
	}
	if sent["enabled"] != false || sent["description"] != "changed" || sent["displayTokenEndpoint"] != "https://public.example/token" {
		t.Errorf("PUT body: %v", sent)
	}
	// Everything read came back: compare the PUT with the GET, field by field, except the two changes.
	var got map[string]any
	if err := json.Unmarshal([]byte(storedKeyManager), &got); err != nil {
		t.Fatal(err)
	}
	got["description"], got["enabled"] = "changed", false
	delete(got, "global") // false is the default and only sent when true
	if !reflect.DeepEqual(sent, got) {
		t.Errorf("the PUT lost or changed fields:\n sent %v\n read %v", sent, got)
	}
}

func TestKeyManagerFalseBooleansAreSent(t *testing.T) {
	c, f := newFake(t, map[string]reply{"POST " + AdminPath + "/key-managers": {status: 201, body: `{"id":"new","name":"k","type":"WSO2-IS-7"}`}})
	km := &KeyManager{Name: "k", Type: "WSO2-IS-7", TokenValidation: []TokenValidation{{Type: "REFERENCE", Enable: false}}}
	out, err := c.CreateKeyManager(context.Background(), km)
	if err != nil {
		t.Fatal(err)
	}
	if out.ID != "new" {
		t.Errorf("id = %q", out.ID)
	}
	s := f.only()
	if s.Method != http.MethodPost || s.Path != AdminPath+"/key-managers" {
		t.Errorf("sent %s %s", s.Method, s.Path)
	}
	sent := s.json(t)
	for _, k := range []string{"enabled", "enableTokenGeneration", "enableOAuthAppCreation", "enableMapOAuthConsumerApps",
		"enableSelfValidationJWT", "enableTokenHashing", "enableTokenEncryption"} {
		if v, ok := sent[k]; !ok || v != false {
			t.Errorf("%s: sent %v (present %v), want an explicit false", k, v, ok)
		}
	}
	tv := sent["tokenValidation"].([]any)[0].(map[string]any)
	if v, ok := tv["enable"]; !ok || v != false {
		t.Errorf("tokenValidation.enable: sent %v (present %v), want an explicit false", v, ok)
	}
	// Unset optional fields stay out, e.g. allowedOrganizations, which API-M before 4.5 does not know.
	for _, k := range []string{"allowedOrganizations", "global", "permissions", "endpoints", "id", "tokenType", "alias", "additionalProperties"} {
		if _, ok := sent[k]; ok {
			t.Errorf("%s sent although unset", k)
		}
	}
}

func TestDeleteAndListKeyManagers(t *testing.T) {
	c, f := newFake(t, map[string]reply{
		"DELETE " + AdminPath + "/key-managers/a b": {status: 200},
		"GET " + AdminPath + "/key-managers": {status: 200, body: `{"count":2,"list":[
			{"id":"r","name":"Resident Key Manager","type":"default","description":"","enabled":true,"isGlobal":false,"isUsed":true,"tokenType":"DIRECT"},
			{"id":"i","name":"is7","type":"WSO2-IS-7","enabled":false,"isUsed":false,"tokenType":"BOTH"}]}`},
	})
	ctx := context.Background()
	if err := c.DeleteKeyManager(ctx, "a b"); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListKeyManagers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []KeyManagerInfo{
		{ID: "r", Name: "Resident Key Manager", Type: "default", Enabled: true, IsUsed: true, TokenType: "DIRECT"},
		{ID: "i", Name: "is7", Type: "WSO2-IS-7", TokenType: "BOTH"},
	}
	if !reflect.DeepEqual(list, want) {
		t.Errorf("list = %+v", list)
	}
	for _, s := range f.all() {
		wantAdmin(t, s)
	}
}

// Reference §2 "Discover": multipart/form-data with url and type; 200 {valid, value}.
func TestDiscoverKeyManagerIsMultipart(t *testing.T) {
	const wellKnown = "https://wso2is:9443/oauth2/token/.well-known/openid-configuration"
	c, f := newFake(t, map[string]reply{"POST " + AdminPath + "/key-managers/discover": {handle: func(w http.ResponseWriter, r *http.Request, _ []byte) {
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/form-data" {
			http.Error(w, `{"code":415,"message":"Unsupported Media Type"}`, 415)
			return
		}
		form, err := multipart.NewReader(r.Body, params["boundary"]).ReadForm(1 << 20)
		if err != nil {
			http.Error(w, `{"code":400,"message":"bad multipart"}`, 400)
			return
		}
		if len(form.Value["url"]) != 1 || len(form.Value["type"]) != 1 || len(form.File) != 0 {
			http.Error(w, `{"code":400,"message":"want fields url and type"}`, 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"valid":true,"value":{"name":"","type":"` + form.Value["type"][0] + `","wellKnownEndpoint":"` + form.Value["url"][0] + `",
			"issuer":"https://wso2is:9443/oauth2/token","tokenEndpoint":"https://wso2is:9443/oauth2/token",
			"userInfoEndpoint":"https://wso2is:9443/oauth2/userinfo","availableGrantTypes":["authorization_code"],
			"certificates":{"type":"JWKS","value":"https://wso2is:9443/oauth2/jwks"},
			"enableTokenGeneration":true,"enableOAuthAppCreation":true,"enableMapOAuthConsumerApps":true,"enableSelfValidationJWT":true}}`))
	}}})
	d, err := c.DiscoverKeyManager(context.Background(), wellKnown, "WSO2-IS-7")
	if err != nil {
		t.Fatal(err)
	}
	wantAdmin(t, f.only())
	if !d.Valid || d.Value == nil || d.Value.Type != "WSO2-IS-7" || d.Value.WellKnownEndpoint != wellKnown ||
		d.Value.UserInfoEndpoint != "https://wso2is:9443/oauth2/userinfo" || d.Value.Certificates.Value != "https://wso2is:9443/oauth2/jwks" ||
		!d.Value.EnableOAuthAppCreation {
		t.Errorf("discovery = %+v / %+v", d, d.Value)
	}
}

// An empty url: 200 with an empty DTO (reference §2 "Discover").
func TestDiscoverKeyManagerEmptyAnswer(t *testing.T) {
	c, _ := newFake(t, map[string]reply{"POST " + AdminPath + "/key-managers/discover": {status: 200, body: `{}`}})
	d, err := c.DiscoverKeyManager(context.Background(), "", "WSO2-IS-7")
	if err != nil {
		t.Fatal(err)
	}
	if d.Valid || d.Value != nil {
		t.Errorf("discovery = %+v", d)
	}
}
