package apim

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// discover posts the multipart form of api-manager-4.md §2 "Discover".
func discover(t *testing.T, sm *sim, wellKnown, kmType string) resp {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("url", wellKnown)
	_ = mw.WriteField("type", kmType)
	_ = mw.Close()
	req, err := http.NewRequest("POST", sm.admin("/key-managers/discover"), &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.SetBasicAuth("admin", "admin")
	return send(t, req)
}

func TestKMDiscover(t *testing.T) {
	// api-manager-4.md §2 "Discover": valid + value mapped from the discovery document, userInfo filled
	// from userinfo_endpoint (the DOC-4.4/IV2 pitfall), nothing stored.
	is, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts, isCert)
	wk := is.base + "/oauth2/token/.well-known/openid-configuration"
	r := discover(t, sm, wk, "WSO2-IS-7")
	expect(t, r, http.StatusOK)
	j := r.json(t)
	v, _ := j["value"].(map[string]any)
	want := map[string]any{"issuer": is.base + "/oauth2/token", "tokenEndpoint": is.base + "/oauth2/token",
		"introspectionEndpoint": is.base + "/oauth2/introspect", "revokeEndpoint": is.base + "/oauth2/revoke",
		"clientRegistrationEndpoint": is.base + "/api/identity/oauth2/dcr/v1.1/register",
		"authorizeEndpoint":          is.base + "/oauth2/authorize", "userInfoEndpoint": is.base + "/oauth2/userinfo",
		"wellKnownEndpoint": wk, "type": "WSO2-IS-7", "enabled": true, "enableSelfValidationJWT": true,
		"enableOAuthAppCreation": true, "enableMapOAuthConsumerApps": true, "enableTokenGeneration": true}
	if j["valid"] != true || v == nil {
		t.Fatalf("body %s", r.raw)
	}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("value.%s = %v, want %v", k, v[k], w)
		}
	}
	if c, _ := v["certificates"].(map[string]any); c["type"] != "JWKS" || c["value"] != is.base+"/oauth2/jwks" {
		t.Errorf("certificates %v", v["certificates"])
	}
	if g, _ := v["availableGrantTypes"].([]any); len(g) != 4 {
		t.Errorf("availableGrantTypes %v", v["availableGrantTypes"])
	}
	// Discovery does not create the KM; POSTing the value (plus name and connector fields) does.
	list := call(t, "GET", sm.admin("/key-managers"), nil)
	if list.json(t)["count"] != float64(1) {
		t.Fatalf("discover stored a KM: %s", list.raw)
	}
	v["name"] = "IS7"
	v["additionalProperties"] = is.is7KM("x")["additionalProperties"]
	sm.createKM(v)

	// Empty url → 200 with an empty DTO.
	r = discover(t, sm, "", "WSO2-IS-7")
	expect(t, r, http.StatusOK)
	if j := r.json(t); j["valid"] != false || j["value"] != nil {
		t.Fatalf("empty url body %s", r.raw)
	}
}

func TestKMDiscoverUntrustedIS(t *testing.T) {
	// The fetch uses the client-truststore with Java's rules: IS's certificate not imported → the
	// PKIX failure in the log and a 500 (UNCONFIRMED status, see discover.go).
	is, hosts := newFakeIS(t, isCert)
	sm := newSim(t, "4.5.0", defaultTOML, hosts) // trust store holds only API-M's own certificate
	r := discover(t, sm, is.base+"/oauth2/token/.well-known/openid-configuration", "WSO2-IS-7")
	expect(t, r, http.StatusInternalServerError)
	if !strings.Contains(sm.logBuf.String(), "PKIX path building failed") {
		t.Fatalf("log lacks the PKIX failure:\n%s", sm.logBuf.String())
	}
}
