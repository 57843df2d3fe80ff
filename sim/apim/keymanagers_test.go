package apim

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
)

func TestNewRejectsUnknownVersion(t *testing.T) {
	// api-manager-4.md §0.1: the simulator covers 4.3.0 … 4.7.0 only.
	h := writeHome(t, defaultTOML)
	_, err := New(h, Options{Version: "4.2.0"})
	if err == nil || !strings.Contains(err.Error(), "4.3.0, 4.4.0, 4.5.0, 4.6.0, 4.7.0") {
		t.Fatalf("want an error naming the supported versions, got %v", err)
	}
}

func TestServeFailsOnBusyPort(t *testing.T) {
	// CONTRACT.md: a configuration the product cannot start with is a start-up error.
	// A random [server] offset keeps clear of other products' default ports.
	toml := strings.Replace(defaultTOML, "[server]", fmt.Sprintf("[server]\noffset = %d", 20000+os.Getpid()%9000), 1)
	sm := newSim(t, "4.5.0", toml, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		sm.s.opt.Bind = "127.0.0.1"
		sm.s.opt.Ready = func() { close(ready) }
		errc <- sm.s.Serve(ctx)
	}()
	select {
	case <-ready:
		// Second instance on the same ports must fail.
		h := writeHome(t, toml)
		if err := Serve(ctx, h, Options{Version: "4.5.0", Bind: "127.0.0.1"}); err == nil {
			t.Fatal("second Serve on busy ports returned nil")
		}
		cancel()
		if err := <-errc; err != nil {
			t.Fatalf("Serve after cancel: %v", err)
		}
	case err := <-errc:
		t.Skipf("ports unavailable here: %v", err)
	}
}

func TestRESTBasicAuthAndReadiness(t *testing.T) {
	sm := newSim(t, "4.4.0", defaultTOML, nil)
	// §1: the health check is anonymous.
	expect(t, call(t, "GET", sm.servlet.URL+"/api/am/gateway/v2/server-startup-healthcheck", nil, ""), http.StatusOK)
	// §3: Basic admin works; missing or wrong credentials are 401 with an ErrorDTO (body UNCONFIRMED).
	expect(t, call(t, "GET", sm.admin("/key-managers"), nil), http.StatusOK)
	r := call(t, "GET", sm.admin("/key-managers"), nil, "")
	expect(t, r, http.StatusUnauthorized)
	if _, ok := r.json(t)["code"].(float64); !ok {
		t.Fatalf("ErrorDTO code must be a number: %s", r.raw)
	}
	expect(t, call(t, "GET", sm.dev("/applications"), nil, basicAuth("admin", "wrong")), http.StatusUnauthorized)
	expect(t, call(t, "POST", sm.servlet.URL+"/internal/data/v1/notify", "{}", basicAuth("bob", "admin")), http.StatusUnauthorized)
}

func TestRESTOAuthRoute(t *testing.T) {
	// §3 OAuth route: DCR (idempotent by clientName, 200) then password grant; the token works on /api/am.
	sm := newSim(t, "4.4.0", defaultTOML, nil)
	reg := map[string]any{"callbackUrl": "www.google.lk", "clientName": "rest_api_publisher", "owner": "admin",
		"grantType": "client_credentials password refresh_token", "saasApp": true}
	r1 := call(t, "POST", sm.servlet.URL+"/client-registration/v0.17/register", reg)
	expect(t, r1, http.StatusOK)
	r2 := call(t, "POST", sm.servlet.URL+"/client-registration/v0.17/register", reg)
	if r1.json(t)["clientId"] != r2.json(t)["clientId"] {
		t.Fatal("DCR is not idempotent by clientName")
	}
	c := r1.json(t)
	tok := residentToken(t, sm, str(c["clientId"]), str(c["clientSecret"]), "grant_type=password&username=admin&password=admin&scope=apim:admin")
	expect(t, call(t, "GET", sm.admin("/key-managers"), nil, bearer(tok)), http.StatusOK)
	expect(t, call(t, "GET", sm.admin("/key-managers"), nil, bearer(tok+"x")), http.StatusUnauthorized)
	// §3 scopes: the token must carry a scope of the resource's API. The per-resource mapping is coarse
	// (UNCONFIRMED: admin key managers apim:admin/apim:admin_operations, publisher reads apim:api_view…,
	// API writes apim:api_create/apim:api_manage, devportal apim:subscribe/apim:app_manage…).
	expect(t, call(t, "GET", sm.pub("/apis"), nil, bearer(tok)), http.StatusUnauthorized)
	expect(t, call(t, "GET", sm.dev("/applications"), nil, bearer(tok)), http.StatusUnauthorized)
	ops := residentToken(t, sm, str(c["clientId"]), str(c["clientSecret"]), "grant_type=password&username=admin&password=admin&scope=apim:admin_operations")
	expect(t, call(t, "GET", sm.admin("/key-managers"), nil, bearer(ops)), http.StatusOK)
	none := residentToken(t, sm, str(c["clientId"]), str(c["clientSecret"]), "grant_type=password&username=admin&password=admin")
	expect(t, call(t, "GET", sm.admin("/key-managers"), nil, bearer(none)), http.StatusUnauthorized)
	view := residentToken(t, sm, str(c["clientId"]), str(c["clientSecret"]), "grant_type=password&username=admin&password=admin&scope=apim:api_view")
	expect(t, call(t, "GET", sm.pub("/apis"), nil, bearer(view)), http.StatusOK)
	expect(t, call(t, "POST", sm.pub("/apis"), map[string]any{"name": "X", "context": "x", "version": "1"}, bearer(view)), http.StatusUnauthorized)
	expect(t, call(t, "GET", sm.admin("/key-managers"), nil, bearer(view)), http.StatusUnauthorized)
	dev := residentToken(t, sm, str(c["clientId"]), str(c["clientSecret"]), "grant_type=password&username=admin&password=admin&scope=apim:subscribe%20apim:app_manage")
	expect(t, call(t, "GET", sm.dev("/applications"), nil, bearer(dev)), http.StatusOK)
	expect(t, call(t, "GET", sm.pub("/apis"), nil, bearer(dev)), http.StatusUnauthorized)
	// /internal/data/v1/notify takes Basic credentials only (§7), whatever the token's scopes.
	all := residentToken(t, sm, str(c["clientId"]), str(c["clientSecret"]), "grant_type=password&username=admin&password=admin&scope=apim:admin%20apim:api_view%20apim:subscribe")
	expect(t, call(t, "POST", sm.servlet.URL+"/internal/data/v1/notify", "{}", bearer(all)), http.StatusUnauthorized)
	expect(t, call(t, "POST", sm.servlet.URL+"/internal/data/v1/notify", "{}", basicAuth("admin", "admin")), http.StatusOK)
}

func TestKeyManagerStorageMappingAndMasking(t *testing.T) {
	// §2.1 storage mapping, defaults and masking.
	sm := newSim(t, "4.4.0", defaultTOML, nil)
	body := map[string]any{"name": "IS7", "type": "WSO2-IS-7", "enabled": true, "enableSelfValidationJWT": false,
		"issuer": "https://wso2is:9443/oauth2/token", "tokenEndpoint": "https://wso2is:9443/oauth2/token",
		"certificates": map[string]any{"type": "JWKS", "value": "https://wso2is:9443/oauth2/jwks"},
		"additionalProperties": map[string]any{"Username": "admin", "Password": "s3cret", "self_validate_jwt": true,
			"api_resource_management_endpoint": "x", "is7_roles_endpoint": "y"}}
	r := call(t, "POST", sm.admin("/key-managers"), body)
	expect(t, r, http.StatusCreated)
	got := r.json(t)
	if loc := r.header.Get("Location"); loc != "key-managers/"+str(got["id"]) {
		t.Fatalf("Location %q", loc)
	}
	r = call(t, "GET", sm.admin("/key-managers/"+str(got["id"])), nil)
	expect(t, r, http.StatusOK)
	got = r.json(t)
	ap := got["additionalProperties"].(map[string]any)
	if got["enableSelfValidationJWT"] != false || ap["self_validate_jwt"] != false {
		t.Fatalf("top-level enableSelfValidationJWT must win and self_validate_jwt stay in additionalProperties: %v / %v", got["enableSelfValidationJWT"], ap)
	}
	if ap["Password"] != "*****" || got["consumerKeyClaim"] != "azp" || got["scopesClaim"] != "scope" {
		t.Fatalf("masking/default claims wrong: %s", r.raw)
	}
	if _, folded := ap["token_endpoint"]; folded || got["tokenEndpoint"] != "https://wso2is:9443/oauth2/token" {
		t.Fatalf("token_endpoint not moved back to top level: %s", r.raw)
	}
	if c := got["certificates"].(map[string]any); c["type"] != "JWKS" {
		t.Fatalf("certificates: %v", c)
	}
	// PUT with "*****" keeps the stored password.
	got["description"] = "changed"
	expect(t, call(t, "PUT", sm.admin("/key-managers/"+str(got["id"])), got), http.StatusOK)
	sm.s.mu.Lock()
	stored := sm.s.st.kmByID(str(got["id"])).Props["Password"]
	sm.s.mu.Unlock()
	if stored != "s3cret" {
		t.Fatalf("stored password after masked PUT = %v", stored)
	}
	// Name change → 400.
	got["name"] = "other"
	r = call(t, "PUT", sm.admin("/key-managers/"+str(got["id"])), got)
	expect(t, r, http.StatusBadRequest)
	if !strings.Contains(string(r.raw), "Key Manager name couldn't able to change") {
		t.Fatalf("body %s", r.raw)
	}
}

func TestKeyManagerValidationErrors(t *testing.T) {
	sm := newSim(t, "4.4.0", defaultTOML, nil)
	ok := map[string]any{"name": "A", "type": "WSO2-IS-7", "additionalProperties": map[string]any{"Username": "u",
		"Password": "p", "api_resource_management_endpoint": "x", "is7_roles_endpoint": "y"}}
	sm.createKM(ok)
	cases := []struct {
		name   string
		mutate func(map[string]any)
		status int
		code   float64
		desc   string
	}{
		{"duplicate name", func(m map[string]any) {}, 409, 901402, "Key Manager Already Exists"},
		{"unknown type", func(m map[string]any) { m["name"], m["type"] = "B", "Nope" }, 400, 901400, "Key Manager Type Nope is invalid."},
		{"long description", func(m map[string]any) { m["name"], m["description"] = "C", strings.Repeat("d", 257) }, 400, 400, ""},
		{"missing connector keys", func(m map[string]any) {
			m["name"] = "D"
			m["additionalProperties"] = map[string]any{"Username": "u", "Password": "p"}
		}, 400, 901401, "Key Manager Configuration value for api_resource_management_endpoint,is7_roles_endpoint is/are required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := map[string]any{}
			for k, v := range ok {
				body[k] = v
			}
			c.mutate(body)
			r := call(t, "POST", sm.admin("/key-managers"), body)
			expect(t, r, c.status)
			j := r.json(t)
			if j["code"] != c.code || (c.desc != "" && j["description"] != c.desc) {
				t.Fatalf("got %s", r.raw)
			}
		})
	}
}

func TestKeyManagerRequiredKeysPerVersion(t *testing.T) {
	// §2.2 table: 4.3 Username+Password; 4.4/4.5 add the two IS 7 endpoints; 4.6+ Authentication semantics.
	base := func(props map[string]any) map[string]any {
		return map[string]any{"name": "K", "type": "WSO2-IS-7", "additionalProperties": props}
	}
	up := map[string]any{"Username": "u", "Password": "p"}
	full := map[string]any{"Username": "u", "Password": "p", "api_resource_management_endpoint": "x", "is7_roles_endpoint": "y"}
	endpointsOnly := map[string]any{"api_resource_management_endpoint": "x", "is7_roles_endpoint": "y"}
	cases := []struct {
		ver    string
		props  map[string]any
		status int
		desc   string
	}{
		{"4.3.0", up, 201, ""},
		{"4.3.0", map[string]any{"Username": "u"}, 400, "Key Manager Configuration value for Password is/are required"},
		{"4.4.0", up, 400, "Key Manager Configuration value for api_resource_management_endpoint,is7_roles_endpoint is/are required"},
		{"4.5.0", full, 201, ""},
		{"4.6.0", full, 201, ""},
		{"4.6.0", up, 400, "Key Manager Configuration value for api_resource_management_endpoint,is7_roles_endpoint is/are required"},
		// UNCONFIRMED (§2.2, §11 item 12): BasicAuth without Username/Password → 500.
		{"4.6.0", endpointsOnly, 500, ""},
		{"4.6.0", map[string]any{"Authentication": "BasicAuth", "Username": "", "Password": "p",
			"api_resource_management_endpoint": "x", "is7_roles_endpoint": "y"}, 400, "Key Manager Configuration value for Username is/are required"},
		{"4.7.0", map[string]any{"Authentication": "MutualTLS", "MutualTLSOptions": "ServerWide",
			"api_resource_management_endpoint": "x", "is7_roles_endpoint": "y"}, 400, "Key Manager Configuration value for IdentityUser is/are required"},
	}
	for _, c := range cases {
		t.Run(c.ver, func(t *testing.T) {
			sm := newSim(t, c.ver, defaultTOML, nil)
			r := call(t, "POST", sm.admin("/key-managers"), base(c.props))
			expect(t, r, c.status)
			if c.desc != "" && r.json(t)["description"] != c.desc {
				t.Fatalf("got %s", r.raw)
			}
		})
	}
}

func TestKeyManagerWithoutEnabledIsDisabled(t *testing.T) {
	// api-manager-4.md §2.1 lists `enabled` without a default. UNCONFIRMED: chose false when absent.
	sm := newSim(t, "4.4.0", defaultTOML, nil)
	id := sm.createKM(map[string]any{"name": "K", "type": "default"})
	if got := call(t, "GET", sm.admin("/key-managers/"+id), nil).json(t)["enabled"]; got != false {
		t.Fatalf("enabled %v, want false", got)
	}
}

func TestKeyManagerAllowedOrganizationsFrom45(t *testing.T) {
	// §2.1: allowedOrganizations exists on 4.5+ only.
	body := map[string]any{"name": "K", "type": "default", "allowedOrganizations": []string{"org1"}}
	for ver, want := range map[string]bool{"4.4.0": false, "4.5.0": true} {
		sm := newSim(t, ver, defaultTOML, nil)
		r := call(t, "GET", sm.admin("/key-managers/"+sm.createKM(body)), nil)
		orgs, has := r.json(t)["allowedOrganizations"]
		if has != want || (want && len(orgs.([]any)) != 1) {
			t.Fatalf("%s: allowedOrganizations present=%v (%v)", ver, has, orgs)
		}
	}
}

func TestKeyManagerDelete(t *testing.T) {
	// §2: 412/902015 while an API names the KM or a key mapping uses it; the Resident KM stays.
	sm := newSim(t, "4.5.0", defaultTOML, nil)
	props := map[string]any{"Username": "u", "Password": "p", "api_resource_management_endpoint": "x", "is7_roles_endpoint": "y"}
	used := sm.createKM(map[string]any{"name": "Used", "type": "WSO2-IS-7", "additionalProperties": props})
	free := sm.createKM(map[string]any{"name": "Free", "type": "WSO2-IS-7", "additionalProperties": props})
	expect(t, call(t, "POST", sm.pub("/apis"), map[string]any{"name": "A", "context": "a", "version": "1",
		"keyManagers": []string{"Used"}}), http.StatusCreated)
	r := call(t, "DELETE", sm.admin("/key-managers/"+used), nil)
	expect(t, r, http.StatusPreconditionFailed)
	if r.json(t)["code"] != float64(902015) {
		t.Fatalf("body %s", r.raw)
	}
	list := call(t, "GET", sm.admin("/key-managers"), nil).json(t)["list"].([]any)
	var resident string
	for _, it := range list {
		m := it.(map[string]any)
		if m["name"] == "Resident Key Manager" && m["type"] == "default" {
			resident = str(m["id"])
		}
		if m["name"] == "Used" && m["isUsed"] != true {
			t.Fatalf("isUsed not reported: %v", m)
		}
	}
	if resident == "" {
		t.Fatal("Resident Key Manager missing from the list")
	}
	if r := call(t, "DELETE", sm.admin("/key-managers/"+resident), nil); r.status == http.StatusOK {
		t.Fatal("Resident Key Manager was deleted")
	}
	expect(t, call(t, "DELETE", sm.admin("/key-managers/"+free), nil), http.StatusOK)
	r = call(t, "GET", sm.admin("/key-managers/"+free), nil)
	expect(t, r, http.StatusNotFound)
	if r.json(t)["code"] != float64(901411) {
		t.Fatalf("body %s", r.raw)
	}
}

func TestKeyManagerInUseByKeyMapping(t *testing.T) {
	sm := newSim(t, "4.5.0", defaultTOML, nil)
	km := sm.createKM(map[string]any{"name": "R2", "type": "default", "enableOAuthAppCreation": true, "enabled": true})
	r := call(t, "POST", sm.dev("/applications"), map[string]any{"name": "App", "throttlingPolicy": "Unlimited"})
	expect(t, sm.genKeys(str(r.json(t)["applicationId"]), "R2"), http.StatusOK)
	expect(t, call(t, "DELETE", sm.admin("/key-managers/"+km), nil), http.StatusPreconditionFailed)
}

func TestAdminSettingsAuthConfigurationsFrom46(t *testing.T) {
	// §2 /settings and §10 item 1: authConfigurations appear in 4.6.
	for ver, want := range map[string]bool{"4.5.0": false, "4.6.0": true} {
		sm := newSim(t, ver, defaultTOML, nil)
		r := call(t, "GET", sm.admin("/settings"), nil)
		expect(t, r, http.StatusOK)
		for _, kc := range r.json(t)["keyManagerConfiguration"].([]any) {
			m := kc.(map[string]any)
			if m["type"] == "WSO2-IS-7" {
				if _, has := m["authConfigurations"]; has != want {
					t.Fatalf("%s: authConfigurations present=%v", ver, has)
				}
			}
		}
	}
}
