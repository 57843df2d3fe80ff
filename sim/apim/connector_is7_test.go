package apim

import (
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestGenerateKeysIS7DCRRequest(t *testing.T) {
	// identity-server-7.md §7 "What API-M sends"; ext_allowed_audience from connector 2.0.5 (API-M 4.6+, §0.1).
	// The fake IS presents an expired self-signed cert that is in the trust store: Java trusts it as an anchor.
	for ver, wantAudience := range map[string]bool{"4.5.0": false, "4.6.0": true} {
		t.Run(ver, func(t *testing.T) {
			is, hosts := newFakeIS(t, isCert)
			sm := newSim(t, ver, defaultTOML, hosts, isCert)
			sm.createKM(is.is7KM("IS7"))
			r := call(t, "POST", sm.dev("/applications"), map[string]any{"name": "App", "throttlingPolicy": "Unlimited"})
			appID := str(r.json(t)["applicationId"])
			body := map[string]any{"keyType": "PRODUCTION", "keyManager": "IS7", "grantTypesToBeSupported": []string{"client_credentials"},
				"callbackUrl": "https://a/cb,https://b/cb", "additionalProperties": map[string]any{"ext_application_token_lifetime": "600"}}
			r = call(t, "POST", sm.dev("/applications/"+appID+"/generate-keys"), body)
			expect(t, r, http.StatusOK)
			k := r.json(t)
			wantName := "admin_" + appID + "_PRODUCTION"
			if k["consumerKey"] != "is-client-"+wantName || k["keyManager"] != "IS7" {
				t.Fatalf("ApplicationKey %s", r.raw)
			}
			if len(is.dcr) != 1 || is.dcrAuth[0] != basicAuth("admin", "admin") {
				t.Fatalf("DCR calls %v auth %v", is.dcr, is.dcrAuth)
			}
			d := is.dcr[0]
			if d["client_name"] != wantName || d["token_type_extension"] != "JWT" || d["ext_application_display_name"] != "App" {
				t.Fatalf("DCR body %v", d)
			}
			if uris := d["redirect_uris"].([]any); len(uris) != 2 {
				t.Fatalf("redirect_uris %v", uris)
			}
			for _, k := range []string{"ext_refresh_token_lifetime", "ext_id_token_lifetime", "ext_pkce_mandatory", "ext_pkce_support_plain",
				"ext_public_client", "backchannel_logout_session_required", "require_signed_request_object",
				"require_pushed_authorization_requests", "tls_client_certificate_bound_access_tokens"} {
				if _, ok := d[k]; !ok {
					t.Fatalf("primitive %s missing from %v", k, d)
				}
			}
			if d["ext_application_token_lifetime"] != float64(600) {
				t.Fatalf("ext_application_token_lifetime %v", d["ext_application_token_lifetime"])
			}
			if _, has := d["ext_allowed_audience"]; has != wantAudience || (has && d["ext_allowed_audience"] != "organization") {
				t.Fatalf("ext_allowed_audience present=%v in %v", has, d)
			}
			if strings.Contains(sm.logBuf.String(), "is-secret") || strings.Contains(sm.logBuf.String(), "admin:admin") {
				t.Fatal("log carries a secret")
			}
		})
	}
}

func TestGenerateKeysMutualTLSHeaderOnly(t *testing.T) {
	// identity-server-7.md connector facts / api-manager-4.md §2.2 (4.6+, connector 2.0.8): MutualTLS
	// authenticates with the WSO2-Identity-User header. UNCONFIRMED: chose that header only — no
	// Authorization header and no client certificate.
	is, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.6.0", defaultTOML, hosts, isCert)
	km := is.is7KM("IS7")
	km["additionalProperties"] = map[string]any{"Authentication": "MutualTLS", "MutualTLSOptions": "ServerWide",
		"IdentityUser": "admin", "api_resource_management_endpoint": is.base + "/api/server/v1/api-resources",
		"is7_roles_endpoint": is.base + "/scim2/v2/Roles"}
	sm.createKM(km)
	r := call(t, "POST", sm.dev("/applications"), map[string]any{"name": "App", "throttlingPolicy": "Unlimited"})
	expect(t, sm.genKeys(str(r.json(t)["applicationId"]), "IS7"), http.StatusOK)
	is.mu.Lock()
	defer is.mu.Unlock()
	if len(is.dcr) != 1 || is.dcrAuth[0] != "" || is.dcrUser[0] != "admin" {
		t.Fatalf("DCR auth %q, WSO2-Identity-User %q", is.dcrAuth, is.dcrUser)
	}
}

func TestGenerateKeysErrors(t *testing.T) {
	// api-manager-4.md §5 error table.
	is, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	km := is.is7KM("IS7")
	sm.createKM(km)
	disabled := is.is7KM("Off")
	disabled["enabled"] = false
	sm.createKM(disabled)
	noApps := is.is7KM("NoApps")
	noApps["enableOAuthAppCreation"] = false
	sm.createKM(noApps)
	exch := is.is7KM("Exch")
	exch["tokenType"] = "EXCHANGED"
	sm.createKM(exch)
	r := call(t, "POST", sm.dev("/applications"), map[string]any{"name": "App", "throttlingPolicy": "Unlimited"})
	appID := str(r.json(t)["applicationId"])
	for km, code := range map[string]float64{"Missing": 901403, "Off": 901403, "NoApps": 901405, "Exch": 901405} {
		r := sm.genKeys(appID, km)
		expect(t, r, http.StatusBadRequest)
		if r.json(t)["code"] != code {
			t.Fatalf("%s: %s", km, r.raw)
		}
	}
	if d := str(sm.genKeys(appID, "NoApps").json(t)["description"]); d != "Key Manager doesn't support generating OAuth applications" {
		t.Fatalf("901405 description %q", d)
	}
	expect(t, sm.genKeys(appID, "IS7"), http.StatusOK)
	r = sm.genKeys(appID, "IS7")
	expect(t, r, http.StatusConflict)
	if r.json(t)["code"] != float64(901409) {
		t.Fatalf("existing mapping: %s", r.raw)
	}
	// Resolution by UUID works too (§5: by name, then by UUID).
	list := call(t, "GET", sm.admin("/key-managers"), nil).json(t)["list"].([]any)
	var residentID string
	for _, it := range list {
		if m := it.(map[string]any); m["name"] == "Resident Key Manager" {
			residentID = str(m["id"])
		}
	}
	r = sm.genKeys(appID, residentID)
	expect(t, r, http.StatusOK)
	if r.json(t)["keyManager"] != residentID {
		t.Fatalf("keyManager must echo the request: %s", r.raw)
	}
}

func TestGenerateKeysOutboundFailures(t *testing.T) {
	// identity-server-7.md §7 over TLS trusting only the client-truststore; api-manager-4.md §5 IV2 gotcha:
	// the failed keygen leaves the mapping row, so a retry answers 409 901409.
	// UNCONFIRMED: the failed keygen itself answers 500 ErrorDTO.
	refused := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		_, port, _ := net.SplitHostPort(addr)
		return "https://wso2is:" + port
	}
	cases := []struct {
		name  string
		trust bool
		want  string
	}{
		{"untrusted", false, "javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target"},
		{"name mismatch", true, "javax.net.ssl.SSLPeerUnverifiedException: Certificate for <wso2is> doesn't match any of the subject alternative names: [localhost]"},
		{"refused", true, "java.net.ConnectException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cert := isCert
			if c.name == "name mismatch" {
				cert = isWrongCrt
			}
			is, hosts := newFakeIS(t, cert)
			var sm *sim
			if c.trust {
				sm = newSim(t, "4.6.0", defaultTOML, hosts, cert)
			} else {
				sm = newSim(t, "4.6.0", defaultTOML, hosts)
			}
			km := is.is7KM("IS7")
			if c.name == "refused" {
				km["clientRegistrationEndpoint"] = refused(t) + "/api/identity/oauth2/dcr/v1.1/register"
			}
			sm.createKM(km)
			r := call(t, "POST", sm.dev("/applications"), map[string]any{"name": "App", "throttlingPolicy": "Unlimited"})
			appID := str(r.json(t)["applicationId"])
			r = sm.genKeys(appID, "IS7")
			expect(t, r, http.StatusInternalServerError)
			log := sm.logBuf.String()
			if !strings.Contains(log, "ERROR") || !strings.Contains(log, c.want) {
				t.Fatalf("log lacks %q:\n%s", c.want, log)
			}
			if len(is.dcr) != 0 {
				t.Fatalf("DCR reached IS despite %s", c.name)
			}
			r = sm.genKeys(appID, "IS7")
			expect(t, r, http.StatusConflict)
			if r.json(t)["code"] != float64(901409) {
				t.Fatalf("retry: %s", r.raw)
			}
			keys := call(t, "GET", sm.dev("/applications/"+appID+"/oauth-keys"), nil).json(t)
			if keys["count"] != float64(1) {
				t.Fatalf("half-made mapping not listed: %v", keys)
			}
		})
	}
}
