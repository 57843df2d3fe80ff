package is

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// jwtClaims decodes a JWT's claims without verifying it.
func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// The organization the simulator plays as Asgardeo hosts one (organization.go): its discovery document and
// issuer, its applications and tokens kept apart from the root tenant's, DCR by a bearer token with the
// management scope.
func TestOrganization(t *testing.T) {
	s := start(t, "7.1.0", newHome(t, "7.1.0", ""), Options{Organization: "acme"})
	org := s.s.baseURL() + "/t/acme"
	doc := s.do("GET", "/t/acme/oauth2/token/.well-known/openid-configuration", nil, nil).json(t)
	if doc["issuer"] != org+"/oauth2/token" || doc["jwks_uri"] != org+"/oauth2/jwks" || doc["registration_endpoint"] != org+dcrPath {
		t.Errorf("organization document: issuer %v jwks %v registration %v", doc["issuer"], doc["jwks_uri"], doc["registration_endpoint"])
	}
	if r := s.do("GET", "/t/other/oauth2/token/.well-known/openid-configuration", nil, nil); r.status != 404 {
		t.Errorf("another organization: %d, want 404", r.status)
	}
	if r := startDefault(t, "7.1.0").do("GET", "/t/acme/oauth2/jwks", nil, nil); r.status != 404 {
		t.Errorf("an IS playing no organization serves /t/acme: %d", r.status)
	}

	// The management application, registered by the administrator in place of the console.
	reg := func(path, auth string, body map[string]any) resp {
		b, _ := json.Marshal(body)
		return s.do("POST", path, bytes.NewReader(b), map[string]string{"Content-Type": "application/json", "Authorization": auth})
	}
	r := reg("/t/acme"+dcrPath, basic("admin", "admin"), map[string]any{"client_name": "mgmt", "grant_types": []string{"client_credentials"}, "token_type_extension": "JWT"})
	if r.status != 201 {
		t.Fatalf("register in the organization: %d %s", r.status, r.body)
	}
	mgmtID, mgmtSecret := r.json(t)["client_id"].(string), r.json(t)["client_secret"].(string)
	cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"internal_dcr_create"}}
	if r := s.token(mgmtID, mgmtSecret, cc); r.status != 401 {
		t.Errorf("an organization's application at the root token endpoint: %d, want 401", r.status)
	}
	tr := s.form("/t/acme/oauth2/token", cc, basic(mgmtID, mgmtSecret))
	if tr.status != 200 {
		t.Fatalf("organization token: %d %s", tr.status, tr.body)
	}
	mgmtTok := tr.json(t)["access_token"].(string)
	if iss := jwtClaims(t, mgmtTok)["iss"]; iss != org+"/oauth2/token" {
		t.Errorf("organization token iss %v", iss)
	}

	// DCR with the management application's bearer token.
	r = reg("/t/acme"+dcrPath, "Bearer "+mgmtTok, map[string]any{"client_name": "app", "grant_types": []string{"client_credentials"}, "token_type_extension": "JWT"})
	if r.status != 201 {
		t.Fatalf("DCR with the management token: %d %s", r.status, r.body)
	}
	appID := r.json(t)["client_id"].(string)
	if r := reg(dcrPath, "Bearer "+mgmtTok, map[string]any{"client_name": "root-app"}); r.status != 401 {
		t.Errorf("the organization's token at the root DCR: %d, want 401", r.status)
	}
	if r := s.do("GET", "/t/acme"+dcrPath+"/"+appID, nil, map[string]string{"Authorization": "Bearer " + mgmtTok}); r.status != 401 {
		t.Errorf("GET without internal_dcr_view: %d, want 401", r.status)
	}
	rootID, _ := s.app("root", "JWT", "client_credentials")
	if r := s.do("GET", "/t/acme"+dcrPath+"/"+rootID, nil, map[string]string{"Authorization": basic("admin", "admin")}); r.status != 401 {
		t.Errorf("a root application read in the organization: %d, want 401", r.status)
	}

	// Introspection with the management application's credentials; root and organization apart.
	introspect := func(path, auth, tok string) map[string]any {
		return s.form(path, url.Values{"token": {tok}}, auth).json(t)
	}
	if got := introspect("/t/acme/oauth2/introspect", basic(mgmtID, mgmtSecret), mgmtTok); got["active"] != true || got["iss"] != org+"/oauth2/token" {
		t.Errorf("organization introspection: %v", got)
	}
	if got := introspect("/oauth2/introspect", basic("admin", "admin"), mgmtTok); got["active"] != false {
		t.Errorf("root introspection of an organization's token: %v", got)
	}
	if r := s.form("/t/acme/oauth2/revoke", url.Values{"token": {mgmtTok}}, basic(mgmtID, mgmtSecret)); r.status != 200 {
		t.Errorf("organization revocation: %d", r.status)
	}
	if got := introspect("/t/acme/oauth2/introspect", basic(mgmtID, mgmtSecret), mgmtTok); got["active"] != false {
		t.Errorf("revoked organization token: %v", got)
	}
}

// The keymanager-operations webapp is served only when its WAR is deployed.
func TestKeyManagerOperationsWebapp(t *testing.T) {
	body := []byte(`{"client_name":"ob","grant_types":["client_credentials"]}`)
	hdr := map[string]string{"Content-Type": "application/json", "Authorization": basic("admin", "admin")}
	if r := startDefault(t, "7.1.0").do("POST", "/keymanager-operations/dcr/register", bytes.NewReader(body), hdr); r.status != 404 {
		t.Errorf("without the webapp: %d, want 404", r.status)
	}
	h := newHome(t, "7.1.0", "")
	war := h.Path(keyManagerOperationsWAR)
	if err := os.MkdirAll(filepath.Dir(war), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(war, []byte("PK"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := start(t, "7.1.0", h, Options{})
	if r := s.do("POST", "/keymanager-operations/dcr/register", bytes.NewReader(body), hdr); r.status != 201 {
		t.Errorf("with the webapp: %d %s", r.status, r.body)
	}
	if !strings.Contains(s.log.String(), "keymanager-operations.war") {
		t.Error("the deployment is not logged")
	}
}
