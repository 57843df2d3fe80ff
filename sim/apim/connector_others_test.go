package apim

import (
	"archive/zip"
	"bytes"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kmconform/kmconform/sim/carbonlog"
	"github.com/kmconform/kmconform/sim/simnet"
)

// newSimWithDropins is newSim with JARs in dropins holding the given class entries (name → entry).
func newSimWithDropins(t *testing.T, ver string, jars map[string]string, hosts simnet.Hosts, trust ...*x509.Certificate) *sim {
	t.Helper()
	h := writeHome(t, defaultTOML, trust...)
	dir := h.Path("repository/components/dropins")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, entry := range jars {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create(entry)
		_, _ = w.Write([]byte("stand-in"))
		_ = zw.Close()
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	buf := &syncBuffer{}
	s, err := New(h, Options{Version: ver, Hosts: hosts, Log: carbonlog.To(buf)})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Now()}
	s.now = clock.Now
	sm := &sim{t: t, s: s, servlet: httptest.NewServer(s.Servlet()), gw: httptest.NewServer(s.Gateway()), logBuf: buf, clock: clock}
	t.Cleanup(sm.servlet.Close)
	t.Cleanup(sm.gw.Close)
	return sm
}

var connectorJARs = map[string]string{
	"asgardeo.key.manager-1.0.0.jar": "org/wso2/asgardeo/client/AsgardeoConnectorConfiguration.class",
	"ob-keymanager.jar":              "com/wso2/openbanking/accelerator/keymanager/OBKeyManagerConfiguration.class",
}

func asgardeoKM(base string) map[string]any {
	return map[string]any{"name": "asg", "type": "Asgardeo", "enabled": true, "issuer": base + "/t/o/oauth2/token",
		"tokenEndpoint": base + "/t/o/oauth2/token", "clientRegistrationEndpoint": base + "/t/o/api/identity/oauth2/dcr/v1.1/register",
		"enableOAuthAppCreation": true, "enableTokenGeneration": true,
		"additionalProperties": map[string]any{"org_name": "o", "mgmt_client_id": "mgmt", "mgmt_client_secret": "mgmt-secret",
			"APIM_GLOBAL_SCOPES": "APIM_GLOBAL_SCOPES", "asgardeo_api_resource_management_endpoint": base + "/t/o/api/server/v1/api-resources",
			"asgardeo_roles_endpoint": base + "/t/o/scim2/v2/Roles"}}
}

// API-M knows the Asgardeo and ObKeyManager types only when their connectors are in dropins, validates their
// required fields and masks their secrets; Custom exists from 4.5 without a JAR.
func TestConnectorTypesFromDropins(t *testing.T) {
	bare := newSim(t, "4.5.0", defaultTOML, nil)
	for _, typ := range []string{"Asgardeo", "ObKeyManager"} {
		r := call(t, "POST", bare.admin("/key-managers"), map[string]any{"name": typ, "type": typ})
		if r.status != 400 || r.json(t)["code"] != float64(901400) {
			t.Errorf("%s without its connector: %d %s, want 400 901400", typ, r.status, r.raw)
		}
	}
	if r := call(t, "POST", newSim(t, "4.4.0", defaultTOML, nil).admin("/key-managers"), map[string]any{"name": "c", "type": "Custom"}); r.status != 400 {
		t.Errorf("Custom on 4.4.0: %d, want 400", r.status)
	}
	if r := call(t, "POST", bare.admin("/key-managers"), map[string]any{"name": "c", "type": "Custom", "enabled": true}); r.status != 201 {
		t.Errorf("Custom on 4.5.0: %d %s", r.status, r.raw)
	}

	sm := newSimWithDropins(t, "4.5.0", connectorJARs, nil)
	if !strings.Contains(sm.logBuf.String(), "Key Manager connector Asgardeo registered from asgardeo.key.manager-1.0.0.jar") {
		t.Error("the connector's registration is not logged")
	}
	r := call(t, "POST", sm.admin("/key-managers"), map[string]any{"name": "a", "type": "Asgardeo"})
	if r.status != 400 || !strings.Contains(string(r.raw), "org_name,mgmt_client_id,mgmt_client_secret,APIM_GLOBAL_SCOPES,asgardeo_api_resource_management_endpoint,asgardeo_roles_endpoint") {
		t.Errorf("Asgardeo without its fields: %d %s", r.status, r.raw)
	}
	id := sm.createKM(asgardeoKM("https://wso2is:9443"))
	if got := call(t, "GET", sm.admin("/key-managers/"+id), nil).json(t)["additionalProperties"].(map[string]any)["mgmt_client_secret"]; got != "*****" {
		t.Errorf("mgmt_client_secret read back as %v, want masked", got)
	}
	r = call(t, "POST", sm.admin("/key-managers"), map[string]any{"name": "ob", "type": "ObKeyManager", "additionalProperties": map[string]any{"Username": "u"}})
	if r.status != 400 || !strings.Contains(string(r.raw), "Key Manager Configuration value for Password is/are required") {
		t.Errorf("ObKeyManager without Password: %d %s", r.status, r.raw)
	}
	var types []string
	for _, c := range call(t, "GET", sm.admin("/settings"), nil).json(t)["keyManagerConfiguration"].([]any) {
		types = append(types, c.(map[string]any)["type"].(string))
	}
	if strings.Join(types, ",") != "Asgardeo,Custom,ObKeyManager,WSO2-IS,WSO2-IS-7,default" {
		t.Errorf("settings list types %v", types)
	}
}

// The Asgardeo connector registers an application's client with a bearer token of the management
// application (client_credentials with the management scopes) and its own body; an ObKeyManager with Basic.
func TestAsgardeoKeyGenerationUsesTheManagementToken(t *testing.T) {
	is, hosts := newFakeIS(t, isCert)
	var tokenAuth, tokenScope string
	is.mux.HandleFunc("POST /t/o/oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		tokenAuth, tokenScope = r.Header.Get("Authorization"), r.PostForm.Get("scope")
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "mgmt-token", "token_type": "Bearer", "expires_in": 3600})
	})
	var dcrAuth string
	var dcrBody map[string]any
	is.mux.HandleFunc("POST /t/o/api/identity/oauth2/dcr/v1.1/register", func(w http.ResponseWriter, r *http.Request) {
		dcrAuth = r.Header.Get("Authorization")
		_ = json.NewDecoder(r.Body).Decode(&dcrBody)
		writeJSON(w, http.StatusCreated, map[string]any{"client_id": "c1", "client_secret": "s1"})
	})
	sm := newSimWithDropins(t, "4.6.0", connectorJARs, hosts, isCert)
	sm.createKM(asgardeoKM(is.base))
	api := sm.publishAPI("A", "/a", []string{"asg"}, "http://backend")
	app := sm.subscribedApp("shop", api)
	r := sm.genKeys(app, "asg")
	if r.status != 200 || r.json(t)["consumerKey"] != "c1" {
		t.Fatalf("generate-keys at the Asgardeo Key Manager: %d %s", r.status, r.raw)
	}
	if tokenAuth != basicAuth("mgmt", "mgmt-secret") || !strings.Contains(tokenScope, "internal_dcr_create") {
		t.Errorf("management token request: auth %q scope %q", tokenAuth, tokenScope)
	}
	if dcrAuth != "Bearer mgmt-token" {
		t.Errorf("DCR authorization %q, want the management token", dcrAuth)
	}
	name, _ := dcrBody["client_name"].(string)
	if !strings.HasPrefix(name, "admin_shop_"+app[:7]) || dcrBody["token_type_extension"] != "JWT" || dcrBody["ext_allowed_audience"] != nil {
		t.Errorf("Asgardeo DCR body: %v", dcrBody)
	}
}

// Out-of-band provisioning: a Custom Key Manager maps a consumer key without asking any connector.
func TestCustomKeyManagerMapsKeysOutOfBand(t *testing.T) {
	is, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	sm.createKM(map[string]any{"name": "oob", "type": "Custom", "enabled": true, "issuer": is.base + "/oauth2/token",
		"enableMapOAuthConsumerApps": true, "certificates": map[string]any{"type": "JWKS", "value": is.base + "/oauth2/jwks"}})
	api := sm.publishAPI("A", "/a", []string{"oob"}, "http://backend")
	app := sm.subscribedApp("oob-app", api)
	r := call(t, "POST", sm.dev("/applications/"+app+"/map-keys"), map[string]any{"consumerKey": "ext-client", "keyManager": "oob", "keyType": "PRODUCTION"})
	if r.status != 200 || r.json(t)["mode"] != "MAPPED" {
		t.Errorf("map-keys at a Custom Key Manager: %d %s", r.status, r.raw)
	}
	if n := len(is.dcr); n != 0 {
		t.Errorf("the mapping called the provider's DCR %d times", n)
	}
	if r := sm.genKeys(app, "oob"); r.status != 400 {
		t.Errorf("generate-keys at an out-of-band Key Manager: %d, want 400 (no OAuth application creation)", r.status)
	}
}
