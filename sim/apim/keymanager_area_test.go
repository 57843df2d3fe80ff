package apim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmconform/kmconform/sim/faults"
)

// Behaviours and product faults the keymanager-area checks rely on. Each fault test shows the behaviour
// without the fault and with it.

// dcrLifecycle records the connector's DCR PUT and DELETE calls at the fake IS.
type dcrLifecycle struct {
	mu      sync.Mutex
	puts    []map[string]any
	deletes []string
}

func (d *dcrLifecycle) putCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.puts)
}

func (d *dcrLifecycle) deleteCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.deletes)
}

// withDCRLifecycle adds PUT and DELETE /register/{client_id} to the fake IS: PUT echoes the update as IS's
// ApplicationDTO would (identity-server-7.md §7), DELETE answers 204.
func withDCRLifecycle(f *fakeIS) *dcrLifecycle {
	d := &dcrLifecycle{}
	f.mux.HandleFunc("PUT /api/identity/oauth2/dcr/v1.1/register/{id}", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		d.mu.Lock()
		d.puts = append(d.puts, body)
		d.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"client_id": r.PathValue("id"), "client_secret": body["client_secret"],
			"client_name": body["client_name"], "grant_types": body["grant_types"], "redirect_uris": body["redirect_uris"],
			"ext_application_token_lifetime": 3600, "ext_user_token_lifetime": 3600, "ext_refresh_token_lifetime": 86400,
			"ext_id_token_lifetime": 3600, "ext_pkce_mandatory": false, "ext_pkce_support_plain": false, "ext_public_client": false})
	})
	f.mux.HandleFunc("DELETE /api/identity/oauth2/dcr/v1.1/register/{id}", func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		d.deletes = append(d.deletes, r.PathValue("id"))
		d.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	return d
}

// keyMapping returns the app's only key mapping id.
func onlyMapping(t *testing.T, sm *sim, appID string) map[string]any {
	t.Helper()
	list := call(t, "GET", sm.dev("/applications/"+appID+"/oauth-keys"), nil).json(t)["list"].([]any)
	if len(list) != 1 {
		t.Fatalf("%d key mappings", len(list))
	}
	return list[0].(map[string]any)
}

func TestUpdateKeysSendsDCRPutToIS(t *testing.T) {
	// api-manager-4.md §5 (PUT oauth-keys), identity-server-7.md §7 "Update = PUT /register/{client_id}
	// with client_id/client_secret instead of ext_param_*".
	g := newGatewaySetup(t, "4.5.0", nil, nil)
	d := withDCRLifecycle(g.is)
	k := onlyMapping(t, g.sm, g.appID)
	r := call(t, "PUT", g.sm.dev("/applications/"+g.appID+"/oauth-keys/"+str(k["keyMappingId"])), map[string]any{
		"supportedGrantTypes": []string{"client_credentials", "authorization_code"}, "callbackUrl": "https://cb.example.com/a",
		"keyManager": "IS7", "keyMappingId": k["keyMappingId"]})
	expect(t, r, http.StatusOK)
	if d.putCount() != 1 {
		t.Fatalf("%d DCR PUTs", d.putCount())
	}
	put := d.puts[0]
	if put["client_id"] != g.ck || put["client_secret"] != "is-secret" || put["client_name"] != "admin_"+g.appID+"_PRODUCTION" {
		t.Fatalf("DCR PUT body %v", put)
	}
	if _, preset := put["ext_param_client_id"]; preset {
		t.Fatalf("DCR PUT carries ext_param_client_id: %v", put)
	}
	got := r.json(t)
	grants, _ := got["supportedGrantTypes"].([]any)
	if got["callbackUrl"] != "https://cb.example.com/a" || len(grants) != 2 || got["consumerKey"] != g.ck ||
		got["keyManager"] != "IS7" || got["keyMappingId"] != k["keyMappingId"] || got["keyType"] != "PRODUCTION" {
		t.Fatalf("PUT answer %s", r.raw)
	}
}

func TestRegenerateSecretPerKeyManagerType(t *testing.T) {
	// api-manager-4.md §5 regenerate-secret; the WSO2-IS-7 connector returns no secret
	// (WSO2IS7KeyManager.getNewApplicationConsumerSecret, apim-km-wso2is v2.0.2 … v2.1.2).
	g := newGatewaySetup(t, "4.5.0", nil, nil)
	d := withDCRLifecycle(g.is)
	k := onlyMapping(t, g.sm, g.appID)
	r := call(t, "POST", g.sm.dev("/applications/"+g.appID+"/oauth-keys/"+str(k["keyMappingId"])+"/regenerate-secret"), nil)
	expect(t, r, http.StatusOK)
	got := r.json(t)
	if v, present := got["consumerSecret"]; !present || v != nil || got["consumerKey"] != g.ck {
		t.Fatalf("IS 7 answer %s, want consumerKey and a null consumerSecret", r.raw)
	}
	if d.putCount() != 0 || len(g.is.dcr) != 1 {
		t.Fatalf("regenerate-secret called IS: %d PUTs, %d POSTs", d.putCount(), len(g.is.dcr))
	}
	// Resident KM: a new secret that replaces the old one at API-M's token endpoint.
	app := call(t, "POST", g.sm.dev("/applications"), map[string]any{"name": "R", "throttlingPolicy": "Unlimited"}).json(t)
	kr := g.sm.genKeys(str(app["applicationId"]), "")
	expect(t, kr, http.StatusOK)
	key := kr.json(t)
	r = call(t, "POST", g.sm.dev("/applications/"+str(app["applicationId"])+"/oauth-keys/"+str(key["keyMappingId"])+"/regenerate-secret"), nil)
	expect(t, r, http.StatusOK)
	fresh := str(r.json(t)["consumerSecret"])
	if fresh == "" || fresh == str(key["consumerSecret"]) {
		t.Fatalf("Resident answer %s", r.raw)
	}
	residentToken(t, g.sm, str(key["consumerKey"]), fresh, "grant_type=client_credentials")
}

func TestFaultKMPasswordUnmasked(t *testing.T) {
	f, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	id := sm.createKM(f.is7KM("IS7"))
	pw := func() any {
		return call(t, "GET", sm.admin("/key-managers/"+id), nil).json(t)["additionalProperties"].(map[string]any)["Password"]
	}
	if pw() != "*****" {
		t.Fatal("Password not masked without the fault")
	}
	sm.s.opt.Faults = faults.Set{"apim-km-password-unmasked": true}
	if pw() != "admin" {
		t.Fatal("Password masked under the fault")
	}
}

func TestFaultKMMaskOverwritesPassword(t *testing.T) {
	for _, on := range []bool{false, true} {
		f, hosts := newFakeIS(t, isCert)
		sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
		if on {
			sm.s.opt.Faults = faults.Set{"apim-km-mask-overwrites-password": true}
		}
		id := sm.createKM(f.is7KM("IS7"))
		km := call(t, "GET", sm.admin("/key-managers/"+id), nil).json(t)
		km["description"] = "changed"
		expect(t, call(t, "PUT", sm.admin("/key-managers/"+id), km), http.StatusOK)
		app := call(t, "POST", sm.dev("/applications"), map[string]any{"name": "A", "throttlingPolicy": "Unlimited"}).json(t)
		expect(t, sm.genKeys(str(app["applicationId"]), "IS7"), http.StatusOK) // the fake IS does not check credentials
		want := basicAuth("admin", "admin")
		if on {
			want = basicAuth("admin", "*****")
		}
		if got := f.dcrAuth[len(f.dcrAuth)-1]; got != want {
			t.Fatalf("fault %t: DCR Authorization %q, want %q", on, got, want)
		}
	}
}

func TestFaultKMDeleteInUse(t *testing.T) {
	for _, on := range []bool{false, true} {
		g := newGatewaySetup(t, "4.5.0", nil, []string{"all"})
		if on {
			g.sm.s.opt.Faults = faults.Set{"apim-km-delete-in-use": true}
		}
		var id string
		for _, it := range call(t, "GET", g.sm.admin("/key-managers"), nil).json(t)["list"].([]any) {
			if m := it.(map[string]any); m["name"] == "IS7" {
				id = str(m["id"])
			}
		}
		want := http.StatusPreconditionFailed
		if on {
			want = http.StatusOK
		}
		expect(t, call(t, "DELETE", g.sm.admin("/key-managers/"+id), nil), want)
	}
}

func TestFaultKMDuplicateNameAccepted(t *testing.T) {
	f, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	sm.createKM(f.is7KM("IS7"))
	r := call(t, "POST", sm.admin("/key-managers"), f.is7KM("IS7"))
	expect(t, r, http.StatusConflict)
	if r.json(t)["code"] != float64(901402) {
		t.Fatalf("body %s", r.raw)
	}
	sm.s.opt.Faults = faults.Set{"apim-km-duplicate-name-accepted": true}
	expect(t, call(t, "POST", sm.admin("/key-managers"), f.is7KM("IS7")), http.StatusCreated)
}

func TestFaultKMRequiredFieldNotEnforced(t *testing.T) {
	f, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	body := f.is7KM("IS7")
	delete(body["additionalProperties"].(map[string]any), "is7_roles_endpoint")
	r := call(t, "POST", sm.admin("/key-managers"), body)
	expect(t, r, http.StatusBadRequest)
	if j := r.json(t); j["code"] != float64(901401) || !strings.Contains(str(j["description"]), "is7_roles_endpoint") {
		t.Fatalf("body %s", r.raw)
	}
	sm.s.opt.Faults = faults.Set{"apim-km-required-field-not-enforced": true}
	expect(t, call(t, "POST", sm.admin("/key-managers"), body), http.StatusCreated)

	// The fault concerns WSO2-IS-7 Key Managers only: another type still needs its required keys.
	other := f.is7KM("IS")
	other["type"] = "WSO2-IS"
	delete(other["additionalProperties"].(map[string]any), "Username")
	r = call(t, "POST", sm.admin("/key-managers"), other)
	expect(t, r, http.StatusBadRequest)
	if j := r.json(t); j["code"] != float64(901401) || !strings.Contains(str(j["description"]), "Username") {
		t.Fatalf("WSO2-IS body %s", r.raw)
	}
}

func TestFaultKMMutualTLSWithoutIdentityUser(t *testing.T) {
	// api-manager-4.md §2.2 (4.6, connector 2.0.8): MutualTLS needs IdentityUser and MutualTLSOptions.
	f, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.6.0", defaultTOML, hosts, isCert)
	body := f.is7KM("MTLS")
	ap := body["additionalProperties"].(map[string]any)
	ap["Authentication"], ap["MutualTLSOptions"] = "MutualTLS", "ServerWide"
	delete(ap, "Username")
	delete(ap, "Password")
	r := call(t, "POST", sm.admin("/key-managers"), body)
	expect(t, r, http.StatusBadRequest)
	if j := r.json(t); j["code"] != float64(901401) || !strings.Contains(str(j["description"]), "IdentityUser") {
		t.Fatalf("body %s", r.raw)
	}
	sm.s.opt.Faults = faults.Set{"apim-km-mtls-without-identity-user": true}
	expect(t, call(t, "POST", sm.admin("/key-managers"), body), http.StatusCreated)

	// Before 4.6 there is no Authentication block: Username and Password stay required whatever the
	// configuration says (§2.2; extra keys are stored as they are).
	old := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	body["name"] = "MTLS-45"
	body["additionalProperties"].(map[string]any)["IdentityUser"] = "admin"
	r = call(t, "POST", old.admin("/key-managers"), body)
	expect(t, r, http.StatusBadRequest)
	if j := r.json(t); j["code"] != float64(901401) || !strings.Contains(str(j["description"]), "Username,Password") {
		t.Fatalf("4.5 body %s", r.raw)
	}
	old.s.opt.Faults = faults.Set{"apim-km-mtls-without-identity-user": true}
	expect(t, call(t, "POST", old.admin("/key-managers"), body), http.StatusCreated)
}

func TestFaultDiscoverUserinfoScim2Me(t *testing.T) {
	// api-manager-4.md §2 "Discover": the import fills userinfo from the discovery document.
	f, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	discover := func() string {
		r := discover(t, sm, f.base+"/oauth2/token/.well-known/openid-configuration", "WSO2-IS-7")
		expect(t, r, http.StatusOK)
		return str(r.json(t)["value"].(map[string]any)["userInfoEndpoint"])
	}
	if got := discover(); got != f.base+"/oauth2/userinfo" {
		t.Fatalf("userInfoEndpoint %q", got)
	}
	sm.s.opt.Faults = faults.Set{"apim-discover-userinfo-scim2-me": true}
	if got := discover(); got != f.base+"/scim2/Me" {
		t.Fatalf("userInfoEndpoint under the fault %q", got)
	}
}

func TestFaultKMDropsTokenType(t *testing.T) {
	f, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	for _, on := range []bool{false, true} {
		if on {
			sm.s.opt.Faults = faults.Set{"apim-km-drops-token-type": true}
		}
		body := f.is7KM("TT-" + map[bool]string{false: "a", true: "b"}[on])
		body["tokenType"] = "EXCHANGED"
		r := call(t, "POST", sm.admin("/key-managers"), body)
		expect(t, r, http.StatusCreated)
		want := map[bool]string{false: "EXCHANGED", true: "DIRECT"}[on]
		if got := call(t, "GET", sm.admin("/key-managers/"+str(r.json(t)["id"])), nil).json(t)["tokenType"]; got != want {
			t.Fatalf("fault %t: tokenType %v", on, got)
		}
	}
}

func TestFaultAdminScopeNotEnforced(t *testing.T) {
	// api-manager-4.md §3: Key Manager CRUD needs apim:admin or apim:admin_operations.
	f, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	c := call(t, "POST", sm.servlet.URL+"/client-registration/v0.17/register", map[string]any{"clientName": "rest",
		"owner": "admin", "grantType": "password", "saasApp": true}).json(t)
	tok := residentToken(t, sm, str(c["clientId"]), str(c["clientSecret"]), "grant_type=password&username=admin&password=admin&scope=apim:subscribe")
	expect(t, call(t, "POST", sm.admin("/key-managers"), f.is7KM("A"), bearer(tok)), http.StatusUnauthorized)
	sm.s.opt.Faults = faults.Set{"apim-admin-scope-not-enforced": true}
	expect(t, call(t, "POST", sm.admin("/key-managers"), f.is7KM("A"), bearer(tok)), http.StatusCreated)
	// Only the admin API loosens.
	expect(t, call(t, "GET", sm.pub("/apis"), nil, bearer(tok)), http.StatusUnauthorized)
}

func TestFaultKMRegistryLag(t *testing.T) {
	// Default: no propagation window (state.go). Fault: 2 s; the failed keygen leaves its mapping (§5, §9).
	f, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	sm.createKM(f.is7KM("Now"))
	app := str(call(t, "POST", sm.dev("/applications"), map[string]any{"name": "A", "throttlingPolicy": "Unlimited"}).json(t)["applicationId"])
	expect(t, sm.genKeys(app, "Now"), http.StatusOK)

	sm.s.opt.Faults = faults.Set{"apim-km-registry-lag": true}
	sm.createKM(f.is7KM("Lag"))
	app = str(call(t, "POST", sm.dev("/applications"), map[string]any{"name": "B", "throttlingPolicy": "Unlimited"}).json(t)["applicationId"])
	expect(t, sm.genKeys(app, "Lag"), http.StatusInternalServerError)
	r := sm.genKeys(app, "Lag")
	expect(t, r, http.StatusConflict)
	if r.json(t)["code"] != float64(901409) {
		t.Fatalf("body %s", r.raw)
	}
	sm.clock.Advance(registryLag)
	fresh := str(call(t, "POST", sm.dev("/applications"), map[string]any{"name": "C", "throttlingPolicy": "Unlimited"}).json(t)["applicationId"])
	expect(t, sm.genKeys(fresh, "Lag"), http.StatusOK)
}

func TestFaultGatewayKeepsDisabledKM(t *testing.T) {
	// api-manager-4.md §6 step 1: only an enabled KM counts; disabled → its tokens take the key-validation
	// path, where the API's only KM is not held → 401 900901.
	for _, on := range []bool{false, true} {
		g := newGatewaySetup(t, "4.5.0", nil, []string{"IS7"})
		if on {
			g.sm.s.opt.Faults = faults.Set{"apim-gateway-keeps-disabled-km": true}
		}
		gw := g.sm.gw.URL + "/pets/1.0.0/x"
		expect(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), http.StatusOK)
		var id string
		for _, it := range call(t, "GET", g.sm.admin("/key-managers"), nil).json(t)["list"].([]any) {
			if m := it.(map[string]any); m["name"] == "IS7" {
				id = str(m["id"])
			}
		}
		km := call(t, "GET", g.sm.admin("/key-managers/"+id), nil).json(t)
		km["enabled"] = false
		expect(t, call(t, "PUT", g.sm.admin("/key-managers/"+id), km), http.StatusOK)
		r := call(t, "GET", gw, nil, bearer(g.isToken(t, nil)))
		if on {
			expect(t, r, http.StatusOK)
		} else if r.status != http.StatusUnauthorized || r.json(t)["code"] != "900901" {
			t.Fatalf("disabled KM's token: %d %s", r.status, r.raw)
		}
		km["enabled"] = true
		expect(t, call(t, "PUT", g.sm.admin("/key-managers/"+id), km), http.StatusOK)
		expect(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), http.StatusOK)
	}
}

func TestFaultKeygenOnDisabledKM(t *testing.T) {
	f, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	body := f.is7KM("Off")
	body["enabled"] = false
	sm.createKM(body)
	app := str(call(t, "POST", sm.dev("/applications"), map[string]any{"name": "A", "throttlingPolicy": "Unlimited"}).json(t)["applicationId"])
	r := sm.genKeys(app, "Off")
	expect(t, r, http.StatusBadRequest)
	if r.json(t)["code"] != float64(901403) {
		t.Fatalf("body %s", r.raw)
	}
	sm.s.opt.Faults = faults.Set{"apim-keygen-on-disabled-km": true}
	expect(t, sm.genKeys(app, "Off"), http.StatusOK)
}

func TestFaultKeygenHangsOnUnreachableKM(t *testing.T) {
	// Row 14 of WSO2's suite: an unreachable KM fails fast.
	defer func(d time.Duration) { unreachableHang = d }(unreachableHang)
	unreachableHang = 300 * time.Millisecond
	sm := newSim(t, "4.5.0", defaultTOML, nil)
	body := map[string]any{"name": "Gone", "type": "WSO2-IS-7", "enabled": true, "enableOAuthAppCreation": true,
		"clientRegistrationEndpoint": "https://localhost:1/register", "issuer": "https://gone.invalid/oauth2/token",
		"additionalProperties": map[string]any{"Username": "u", "Password": "p", "api_resource_management_endpoint": "x",
			"is7_roles_endpoint": "y"}}
	sm.createKM(body)
	for _, on := range []bool{false, true} {
		if on {
			sm.s.opt.Faults = faults.Set{"apim-keygen-hangs-on-unreachable-km": true}
		}
		app := str(call(t, "POST", sm.dev("/applications"), map[string]any{"name": "A" + map[bool]string{false: "0", true: "1"}[on],
			"throttlingPolicy": "Unlimited"}).json(t)["applicationId"])
		start := time.Now()
		r := sm.genKeys(app, "Gone")
		took := time.Since(start)
		if r.status < 400 {
			t.Fatalf("keygen at an unreachable KM: %d", r.status)
		}
		if on != (took >= unreachableHang) {
			t.Fatalf("fault %t: keygen took %s", on, took)
		}
	}
}

func TestFaultKeygenIgnoresOAuthAppCreation(t *testing.T) {
	f, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	body := f.is7KM("NoApps")
	body["enableOAuthAppCreation"] = false
	sm.createKM(body)
	app := str(call(t, "POST", sm.dev("/applications"), map[string]any{"name": "A", "throttlingPolicy": "Unlimited"}).json(t)["applicationId"])
	r := sm.genKeys(app, "NoApps")
	expect(t, r, http.StatusBadRequest)
	if j := r.json(t); j["code"] != float64(901405) || j["message"] != "Key Manager doesn't support generating OAuth applications" {
		t.Fatalf("body %s", r.raw)
	}
	if len(f.dcr) != 0 {
		t.Fatal("DCR called")
	}
	sm.s.opt.Faults = faults.Set{"apim-keygen-ignores-oauth-app-creation": true}
	expect(t, sm.genKeys(app, "NoApps"), http.StatusOK)
	if len(f.dcr) != 1 {
		t.Fatal("DCR not called under the fault")
	}
}

func TestFaultKMIssuerFirstWins(t *testing.T) {
	// api-manager-4.md §2 "Issuer collision": the last KM registered with an issuer wins; the API allows
	// only the first, so the gateway then refuses its tokens with 900901.
	for _, on := range []bool{false, true} {
		g := newGatewaySetup(t, "4.5.0", nil, []string{"IS7"})
		if on {
			g.sm.s.opt.Faults = faults.Set{"apim-km-issuer-first-wins": true}
		}
		gw := g.sm.gw.URL + "/pets/1.0.0/x"
		expect(t, call(t, "GET", gw, nil, bearer(g.isToken(t, nil))), http.StatusOK)
		g.sm.createKM(g.is.is7KM("IS7-again"))
		r := call(t, "GET", gw, nil, bearer(g.isToken(t, nil)))
		if on {
			expect(t, r, http.StatusOK)
		} else {
			gwBody(t, r, 401, "900901", "Invalid Credentials", descInvalidCreds)
		}
	}
}

func TestFaultSandboxKeyToProduction(t *testing.T) {
	// The gateway sends SANDBOX-key calls to the sandbox endpoint (sim README "Backend proxy").
	for _, on := range []bool{false, true} {
		is, hosts := newFakeIS(t, isCert)
		backend, _ := echoBackend(t)
		sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
		if on {
			sm.s.opt.Faults = faults.Set{"apim-sandbox-key-to-production": true}
		}
		sm.createKM(is.is7KM("IS7"))
		api := sm.publishAPIWith("Pets", "pets", nil, backend.URL+"/prod", func(b map[string]any) {
			b["endpointConfig"].(map[string]any)["sandbox_endpoints"] = map[string]any{"url": backend.URL + "/sandbox"}
		})
		app := sm.subscribedApp("App", api)
		r := call(t, "POST", sm.dev("/applications/"+app+"/generate-keys"), map[string]any{"keyType": "SANDBOX",
			"keyManager": "IS7", "grantTypesToBeSupported": []string{"client_credentials"}})
		expect(t, r, http.StatusOK)
		ck := str(r.json(t)["consumerKey"])
		now := time.Now()
		tok := is.token(t, claims{"iss": is.base + "/oauth2/token", "azp": ck, "sub": ck, "aut": "APPLICATION",
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "sandbox-" + now.Format("150405.000000")})
		res := call(t, "GET", sm.gw.URL+"/pets/1.0.0/x", nil, bearer(tok))
		expect(t, res, http.StatusOK)
		want := map[bool]string{false: "/sandbox/x", true: "/prod/x"}[on]
		if got := res.json(t)["path"]; got != want {
			t.Fatalf("fault %t: backend path %v, want %s", on, got, want)
		}
	}
}

func TestFaultKeysUpdateNotSentToIS(t *testing.T) {
	g := newGatewaySetup(t, "4.5.0", nil, nil)
	d := withDCRLifecycle(g.is)
	g.sm.s.opt.Faults = faults.Set{"apim-keys-update-not-sent-to-is": true}
	k := onlyMapping(t, g.sm, g.appID)
	expect(t, call(t, "PUT", g.sm.dev("/applications/"+g.appID+"/oauth-keys/"+str(k["keyMappingId"])), map[string]any{
		"supportedGrantTypes": []string{"client_credentials"}, "callbackUrl": "https://cb.example.com"}), http.StatusOK)
	if d.putCount() != 0 {
		t.Fatal("DCR PUT sent under the fault")
	}
	// Without the fault the PUT reaches IS: TestUpdateKeysSendsDCRPutToIS.
}

func TestFaultRegenerateSecretNotAtIS(t *testing.T) {
	g := newGatewaySetup(t, "4.5.0", nil, nil)
	d := withDCRLifecycle(g.is)
	g.sm.s.opt.Faults = faults.Set{"apim-regenerate-secret-not-at-is": true}
	k := onlyMapping(t, g.sm, g.appID)
	r := call(t, "POST", g.sm.dev("/applications/"+g.appID+"/oauth-keys/"+str(k["keyMappingId"])+"/regenerate-secret"), nil)
	expect(t, r, http.StatusOK)
	if s := str(r.json(t)["consumerSecret"]); s == "" || s == "is-secret" || d.putCount() != 0 {
		t.Fatalf("answer %s, %d DCR PUTs", r.raw, d.putCount())
	}
	// Without the fault: TestRegenerateSecretPerKeyManagerType.
}

func TestFaultAppDeleteKeepsISClient(t *testing.T) {
	for _, on := range []bool{false, true} {
		g := newGatewaySetup(t, "4.5.0", nil, nil)
		d := withDCRLifecycle(g.is)
		if on {
			g.sm.s.opt.Faults = faults.Set{"apim-app-delete-keeps-is-client": true}
		}
		expect(t, call(t, "DELETE", g.sm.dev("/applications/"+g.appID), nil), http.StatusOK)
		want := map[bool]int{false: 1, true: 0}[on]
		if d.deleteCount() != want || (want == 1 && !slices.Contains(d.deletes, g.ck)) {
			t.Fatalf("fault %t: DCR DELETEs %v", on, d.deletes)
		}
	}
}

func TestFaultGatewayKeepsDeletedApp(t *testing.T) {
	// api-manager-4.md §6 step 2: no key mapping or subscription → 403 900908 on the JWT path.
	for _, on := range []bool{false, true} {
		g := newGatewaySetup(t, "4.5.0", nil, nil)
		withDCRLifecycle(g.is)
		if on {
			g.sm.s.opt.Faults = faults.Set{"apim-gateway-keeps-deleted-app": true}
		}
		gw := g.sm.gw.URL + "/pets/1.0.0/x"
		tok := g.isToken(t, nil)
		expect(t, call(t, "GET", gw, nil, bearer(tok)), http.StatusOK)
		expect(t, call(t, "DELETE", g.sm.dev("/applications/"+g.appID), nil), http.StatusOK)
		r := call(t, "GET", gw, nil, bearer(tok))
		if on {
			expect(t, r, http.StatusOK)
		} else {
			gwBody(t, r, 403, "900908", "Resource forbidden ", "")
		}
	}
}

func TestKeygenPermissionsByUUID(t *testing.T) {
	// api-manager-4.md §5: a KM whose permissions deny the user → 403/902013, checked only when the KM is
	// named by UUID (IV2 gotcha). Fault apim-keygen-ignores-km-permissions drops the check.
	f, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	body := f.is7KM("Denied")
	body["permissions"] = map[string]any{"permissionType": "DENY", "roles": []string{"admin"}}
	id := sm.createKM(body)
	app := func(n string) string {
		return str(call(t, "POST", sm.dev("/applications"), map[string]any{"name": n, "throttlingPolicy": "Unlimited"}).json(t)["applicationId"])
	}
	r := sm.genKeys(app("A"), id)
	expect(t, r, http.StatusForbidden)
	if r.json(t)["code"] != float64(902013) {
		t.Fatalf("body %s", r.raw)
	}
	expect(t, sm.genKeys(app("B"), "Denied"), http.StatusOK) // by name: not checked
	sm.s.opt.Faults = faults.Set{"apim-keygen-ignores-km-permissions": true}
	expect(t, sm.genKeys(app("C"), id), http.StatusOK)
}

func TestKeygenDoesNotEnforceAvailableGrants(t *testing.T) {
	// api-manager-4.md §2.2: availableGrantTypes is not enforced at keygen (IV2 is7_km_extra); fault
	// apim-keygen-drops-unlisted-grants drops the unlisted ones from the DCR request.
	for _, on := range []bool{false, true} {
		f, hosts := newFakeIS(t, isCert)
		sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
		if on {
			sm.s.opt.Faults = faults.Set{"apim-keygen-drops-unlisted-grants": true}
		}
		body := f.is7KM("Few") // lists client_credentials and password
		sm.createKM(body)
		appID := str(call(t, "POST", sm.dev("/applications"), map[string]any{"name": "A", "throttlingPolicy": "Unlimited"}).json(t)["applicationId"])
		saml := "urn:ietf:params:oauth:grant-type:saml2-bearer"
		expect(t, call(t, "POST", sm.dev("/applications/"+appID+"/generate-keys"), map[string]any{"keyType": "PRODUCTION",
			"keyManager": "Few", "grantTypesToBeSupported": []string{"client_credentials", saml}}), http.StatusOK)
		grants, _ := f.dcr[0]["grant_types"].([]any)
		if has := slices.Contains(grants, any(saml)); has == on {
			t.Fatalf("fault %t: DCR grant_types %v", on, grants)
		}
	}
}
