package plan

import (
	"archive/zip"
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/kmconform/kmconform/harness/matrix"
)

func TestProfileNamed(t *testing.T) {
	if p, err := ProfileNamed(""); err != nil || p.Name != DefaultProfile {
		t.Fatalf("default profile: %v %v", p, err)
	}
	_, err := ProfileNamed("keycloak")
	if err == nil || err.Error() != `unknown Key Manager profile "keycloak": kmconform knows wso2-is7, oidc, asgardeo, obkm` {
		t.Errorf("unknown profile: %v", err)
	}
}

// Every profile's capabilities are the matrix's, each of its expectations applies to some cell, and the
// default profile runs every check but the generic OIDC ones.
func TestProfilesAgreeWithTheMatrix(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	var known []string
	for c := range m.Capabilities {
		known = append(known, c)
	}
	for _, p := range Profiles() {
		caps := p.Capabilities(known)
		if len(caps) == 0 {
			t.Errorf("profile %s is checked for nothing", p.Name)
		}
		for _, c := range p.capabilities {
			if _, ok := m.Capabilities[c]; !ok {
				t.Errorf("profile %s names unknown capability %s", p.Name, c)
			}
		}
		if len(p.Sources) == 0 || p.Doc == "" || len(p.Targets) == 0 {
			t.Errorf("profile %s lacks its sources, doc or targets", p.Name)
		}
		for i, e := range p.Expectations {
			matched := false
			for _, is := range m.ISVersions() {
				for _, am := range m.APIMVersions() {
					cell, _ := m.Cell(is, am)
					c, err := cell.WithProfile(p.Name, false, p.Expectations)
					if err != nil {
						t.Fatalf("profile %s: %v", p.Name, err)
					}
					if c.Expect(e.Capability).Reason == e.Reason {
						matched = true
					}
				}
			}
			if !matched {
				t.Errorf("profile %s expectation %d matches no cell", p.Name, i+1)
			}
		}
	}
	d, _ := ProfileNamed(DefaultProfile)
	if d.Supports("oidc.token") || !d.Supports("issuer") || !d.Supports("km.admin") {
		t.Error("the default profile must run every check but the oidc area")
	}
	o, _ := ProfileNamed("oidc")
	if o.Supports("issuer") || !o.Supports("oidc.gateway") {
		t.Error("the oidc profile runs the oidc area only")
	}
}

// The ObKeyManager registration carries the Open Banking docs' values.
func TestOBKMPayload(t *testing.T) {
	km := OBKMPayload("https://ob:9446")
	if km.Type != "ObKeyManager" || km.ClientRegistrationEndpoint != "https://ob:9446/keymanager-operations/dcr/register" ||
		km.UserInfoEndpoint != "https://ob:9446/oauth2/userinfo?schema=openid" || km.Issuer != "https://ob:9446/oauth2/token" ||
		km.Certificates.Value != "https://ob:9446/oauth2/jwks" || !km.EnableSelfValidationJWT {
		t.Errorf("endpoints or validation: %+v", km)
	}
	if len(km.TokenValidation) == 0 || km.TokenValidation[0].Type != "JWT" || !km.TokenValidation[0].Enable {
		t.Errorf("token handling: %+v", km.TokenValidation)
	}
	if len(km.ClaimMapping) != 1 || !slices.Equal(km.AvailableGrantTypes, OBKMGrantTypes) {
		t.Errorf("claims or grants: %+v %v", km.ClaimMapping, km.AvailableGrantTypes)
	}
	for _, k := range []string{"Username", "Password"} {
		if km.AdditionalProperties[k] == nil {
			t.Errorf("connector field %s missing", k)
		}
	}
}

// The registrations filled from a discovery document: oidc out-of-band, asgardeo with the connector's fields.
func TestProviderPayloads(t *testing.T) {
	doc := ProviderDocument{WellKnown: "https://id/t/o/oauth2/token/.well-known/openid-configuration", Issuer: "https://id/t/o/oauth2/token",
		Token: "https://id/t/o/oauth2/token", JWKS: "https://id/t/o/oauth2/jwks", Registration: "https://id/t/o/dcr"}
	o, _ := ProfileNamed("oidc")
	km, err := ProviderPayload(o, doc, nil)
	if err != nil || km.Type != "Custom" || km.EnableOAuthAppCreation || km.EnableTokenGeneration || !km.EnableMapOAuthConsumerApps ||
		km.Issuer != doc.Issuer || km.Certificates.Value != doc.JWKS {
		t.Errorf("oidc: %+v %v", km, err)
	}
	a, _ := ProfileNamed("asgardeo")
	if _, err := ProviderPayload(a, doc, nil); err == nil {
		t.Error("asgardeo without its organization must be refused")
	}
	org := &AsgardeoOrg{Base: "https://id", Organization: "o", ClientID: "c", ClientSecret: "s"}
	km, err = ProviderPayload(a, doc, org)
	if err != nil || km.Type != "Asgardeo" || km.ScopeManagementEndpoint != "none" || km.ClientRegistrationEndpoint != doc.Registration {
		t.Fatalf("asgardeo: %+v %v", km, err)
	}
	for k, v := range map[string]any{"org_name": "o", "mgmt_client_id": "c", "mgmt_client_secret": "s", "APIM_GLOBAL_SCOPES": "APIM_GLOBAL_SCOPES",
		"asgardeo_api_resource_management_endpoint": "https://id/t/o/api/server/v1/api-resources", "asgardeo_roles_endpoint": "https://id/t/o/scim2/v2/Roles"} {
		if km.AdditionalProperties[k] != v {
			t.Errorf("asgardeo %s = %v, want %v", k, km.AdditionalProperties[k], v)
		}
	}
}

// A profile's stand-in artifacts hold the entry the simulator recognises them by, and say they are stand-ins.
func TestProfileArtifacts(t *testing.T) {
	m, _ := matrix.Default()
	cell, _ := m.Cell("7.1.0", "4.5.0")
	for name, entries := range map[string][]string{"obkm": {OBKMConnectorEntry, KeyManagerOperationsEntry}, "asgardeo": {AsgardeoConnectorEntry}, "oidc": nil} {
		p, _ := ProfileNamed(name)
		pl, err := ForProfile(p, cell, JAR{Name: "h.jar", Content: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		if len(pl.Artifacts) != len(entries) {
			t.Fatalf("%s: %d artifacts, want %d", name, len(pl.Artifacts), len(entries))
		}
		for i, a := range pl.Artifacts {
			zr, err := zip.NewReader(bytes.NewReader(a.Content), int64(len(a.Content)))
			if err != nil {
				t.Fatalf("%s: %v", a.Path, err)
			}
			var names []string
			for _, f := range zr.File {
				names = append(names, f.Name)
			}
			if !slices.Contains(names, entries[i]) || !strings.Contains(a.Path, "stand-in") && !strings.HasSuffix(a.Path, KeyManagerOperationsWAR) {
				t.Errorf("%s: entries %v, want %s", a.Path, names, entries[i])
			}
		}
		if files := pl.FilesOf(""); files != nil {
			t.Errorf("FilesOf of no node: %v", files)
		}
		if got := pl.API["keyManagers"].([]string); got[0] != p.KMName {
			t.Errorf("%s: the API is restricted to %v, want %s", name, got, p.KMName)
		}
	}
}
