package is

import (
	"strings"
	"testing"
)

// TestIssuerURL: §3 — issuer and absolute URLs come from [server] hostname (lower-cased) and 9443+offset;
// proxyPort wins; port 443 is omitted.
func TestIssuerURL(t *testing.T) {
	cases := []struct {
		server map[string]any // replaces [server]
		extra  string
		want   string
	}{
		{nil, "", "https://localhost:9443/oauth2/token"},
		{map[string]any{"hostname": "WSO2IS.Example.COM", "offset": int64(1)}, "", "https://wso2is.example.com:9444/oauth2/token"},
		{nil, "[transport.https.properties]\nproxyPort = 8443\n", "https://localhost:8443/oauth2/token"},
		{map[string]any{"hostname": "is.local", "offset": int64(3)}, "[transport.https.properties]\nproxyPort = 443\n", "https://is.local/oauth2/token"},
	}
	for _, c := range cases {
		h := newHome(t, "7.1.0", c.extra)
		if c.server != nil {
			h.TOML["server"] = c.server
		}
		s := start(t, "7.1.0", h, Options{})
		doc := s.do("GET", "/oauth2/token/.well-known/openid-configuration", nil, nil).json(t)
		jwks := strings.TrimSuffix(c.want, "/token") + "/jwks"
		if doc["issuer"] != c.want || doc["token_endpoint"] != c.want || doc["jwks_uri"] != jwks {
			t.Errorf("issuer %v token_endpoint %v jwks_uri %v, want %s", doc["issuer"], doc["token_endpoint"], doc["jwks_uri"], c.want)
		}
	}
}

// TestDiscovery: §3 — both {issuer} forms, the keys emitted by default, and the 400 text for others.
func TestDiscovery(t *testing.T) {
	s := startDefault(t, "7.0.0")
	for _, p := range []string{"/oauth2/token/.well-known/openid-configuration", "/oauth2/oidcdiscovery/.well-known/openid-configuration",
		"/t/carbon.super/oauth2/token/.well-known/openid-configuration"} {
		r := s.do("GET", p, nil, nil)
		if r.status != 200 {
			t.Fatalf("%s: %d", p, r.status)
		}
		doc := r.json(t)
		for _, k := range []string{"issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "revocation_endpoint",
			"introspection_endpoint", "registration_endpoint", "jwks_uri", "grant_types_supported", "response_types_supported",
			"token_endpoint_auth_methods_supported", "response_modes_supported", "subject_types_supported",
			"end_session_endpoint", "backchannel_logout_supported", "pushed_authorization_request_endpoint"} {
			if _, ok := doc[k]; !ok {
				t.Errorf("%s: key %s missing", p, k)
			}
		}
		for k, v := range doc {
			if v == nil {
				t.Errorf("null value for %s: Gson omits nulls", k)
			}
		}
		if doc["userinfo_endpoint"] != "https://localhost:9443/oauth2/userinfo" ||
			doc["registration_endpoint"] != "https://localhost:9443/api/identity/oauth2/dcr/v1.1/register" {
			t.Errorf("endpoints %v %v", doc["userinfo_endpoint"], doc["registration_endpoint"])
		}
		grants, _ := doc["grant_types_supported"].([]any)
		want := map[string]bool{"client_credentials": true, "password": true, "refresh_token": true,
			"urn:ietf:params:oauth:grant-type:token-exchange": true, "urn:ietf:params:oauth:grant-type:jwt-bearer": true}
		for _, g := range grants {
			delete(want, g.(string))
		}
		if len(want) != 0 {
			t.Errorf("grant_types_supported lacks %v", want)
		}
	}
	r := s.do("GET", "/oauth2/other/.well-known/openid-configuration", nil, nil)
	if r.status != 400 || r.body != "Invalid path to the discovery document. Received path : other is not resolvable" {
		t.Errorf("bad issuer path: %d %q", r.status, r.body)
	}
}
