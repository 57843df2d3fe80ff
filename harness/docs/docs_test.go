package docs

import (
	"strings"
	"testing"

	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/wso2am"
	"github.com/kmconform/kmconform/harness/wso2is"
)

const base = "https://wso2is:9443"

// served is IS 7's discovery document under the in-network name (product-is OIDCDiscoveryTestCase).
func served() *wso2is.Discovery {
	return &wso2is.Discovery{
		Issuer:                base + "/oauth2/token",
		AuthorizationEndpoint: base + "/oauth2/authorize",
		TokenEndpoint:         base + "/oauth2/token",
		UserinfoEndpoint:      base + "/oauth2/userinfo",
		RevocationEndpoint:    base + "/oauth2/revoke",
		IntrospectionEndpoint: base + "/oauth2/introspect",
		RegistrationEndpoint:  base + "/api/identity/oauth2/dcr/v1.1/register",
		JWKSURI:               base + "/oauth2/jwks",
		GrantTypesSupported: []string{"refresh_token", "password", "client_credentials", "iwa:ntlm",
			"urn:ietf:params:oauth:grant-type:saml2-bearer", "urn:ietf:params:oauth:grant-type:device_code",
			"authorization_code", "account_switch", "urn:ietf:params:oauth:grant-type:token-exchange",
			"organization_switch", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
	}
}

const discoveryURL = base + wso2is.DiscoveryPath

// Every API-M version of the matrix follows a documentation version whose table is shipped and complete.
func TestEveryAPIMVersionHasItsDocumentedTable(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, am := range m.APIManager {
		tab, err := Load(am.Docs)
		if err != nil {
			t.Errorf("API-M %s: %v", am.Version, err)
			continue
		}
		if tab.Docs != am.Docs || !strings.HasPrefix(tab.Source.Page, "https://apim.docs.wso2.com/") {
			t.Errorf("API-M %s: table %q from %q", am.Version, tab.Docs, tab.Source.Page)
		}
		if am.NotificationJar == "" || am.NotificationJarSource == "" {
			t.Errorf("API-M %s: the matrix names no notification JAR version with its source", am.Version)
		}
	}
	if _, err := Load("9.9"); err == nil || !strings.Contains(err.Error(), "apim-9.9-is7-endpoints.yaml") {
		t.Errorf("a missing table: %v", err)
	}
}

// Tables that agree with IS produce no drift; the 4.3 page, which prints the authorize endpoint as
// /scim2/Me, produces exactly that drift with its source.
func TestDriftIsDetectedAndReported(t *testing.T) {
	for _, v := range []string{"4.4", "4.5", "4.6", "4.7"} {
		tab, err := Load(v)
		if err != nil {
			t.Fatal(err)
		}
		if d := tab.Compare(served(), discoveryURL, base); len(d) != 0 {
			t.Errorf("docs %s: unexpected drift %+v", v, d)
		}
	}
	tab, err := Load("4.3")
	if err != nil {
		t.Fatal(err)
	}
	d := tab.Compare(served(), discoveryURL, base)
	if len(d) != 1 {
		t.Fatalf("docs 4.3: drift %+v, want the authorize endpoint only", d)
	}
	got := d[0]
	if got.Field != "authorizeEndpoint" || got.Documented != "https://localhost:9444/scim2/Me" ||
		got.Served != base+"/oauth2/authorize" || !strings.Contains(got.Source, "apim.docs.wso2.com/en/4.3.0/") {
		t.Errorf("docs 4.3 drift = %+v", got)
	}
}

// A synthetic table: a moved endpoint, a grant IS does not serve and an unpublished value are each reported.
func TestDriftOfEveryKind(t *testing.T) {
	tab := mustParse(t, strings.NewReplacer(
		"/oauth2/introspect", "/oauth2/introspection",
		"  - password\n", "  - password\n  - urn:example:grant\n",
	).Replace(sample))
	d := served()
	d.RevocationEndpoint = ""
	drift := tab.Compare(d, discoveryURL, base)
	want := map[string]string{
		"introspectionEndpoint": base + "/oauth2/introspect",
		"revokeEndpoint":        "(not published in IS's discovery document)",
		"displayRevokeEndpoint": "(not published in IS's discovery document)",
		GrantTypesField:         "(absent from grant_types_supported)",
	}
	if len(drift) != len(want) {
		t.Fatalf("drift %+v, want %d entries", drift, len(want))
	}
	for _, dr := range drift {
		if want[dr.Field] != dr.Served || dr.Source == "" {
			t.Errorf("drift %+v", dr)
		}
	}
}

// The harness registers the served value only where the payload still holds the documented one: a field a
// setup fault changed (wrong-issuer) stays as the fault set it.
func TestServedValueRegisteredOnlyOverDocumentedValues(t *testing.T) {
	tab := mustParse(t, strings.NewReplacer(
		"authorizeEndpoint: https://localhost:9444/oauth2/authorize", "authorizeEndpoint: https://localhost:9444/scim2/Me",
		"issuer: https://localhost:9444/oauth2/token", "issuer: https://localhost:9444/services",
		"  - password\n", "  - password\n  - urn:example:grant\n",
	).Replace(sample))
	km := &wso2am.KeyManager{}
	tab.Register(km, base)
	if km.AuthorizeEndpoint != base+"/scim2/Me" || km.Certificates.Value != base+"/oauth2/jwks" ||
		km.AdditionalProperties["is7_roles_endpoint"] != base+"/scim2/v2/Roles" || len(km.AvailableGrantTypes) != 10 {
		t.Fatalf("documented payload = %+v", km)
	}
	km.Issuer = "https://localhost:9443/oauth2/token" // as the wrong-issuer fault sets it
	drift := tab.Compare(served(), discoveryURL, base)
	reg := tab.RegisterServed(km, drift, base)
	if km.AuthorizeEndpoint != base+"/oauth2/authorize" {
		t.Errorf("authorize = %s, want the served value", km.AuthorizeEndpoint)
	}
	if km.Issuer != "https://localhost:9443/oauth2/token" {
		t.Errorf("issuer = %s: a value the fault set was overwritten", km.Issuer)
	}
	if len(km.AvailableGrantTypes) != 9 {
		t.Errorf("grants = %v: the unserved grant was kept", km.AvailableGrantTypes)
	}
	if len(reg) != 2 {
		t.Errorf("registered %+v, want authorize and the grant", reg)
	}
}

func TestParseRefusesIncompleteTables(t *testing.T) {
	if _, err := Parse([]byte(strings.Replace(sample, "  tokenEndpoint: https://localhost:9444/oauth2/token\n", "", 1)), "x"); err == nil ||
		!strings.Contains(err.Error(), "tokenEndpoint") {
		t.Errorf("missing token endpoint: %v", err)
	}
	if _, err := Parse([]byte(sample+"extra: 1\n"), "x"); err == nil {
		t.Error("an unknown key was accepted")
	}
}

func mustParse(t *testing.T, raw string) *Table {
	t.Helper()
	tab, err := Parse([]byte(raw), "test")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

const sample = `docs: "test"
source:
  page: https://apim.docs.wso2.com/en/test/
  revision: test
base: https://localhost:9444
endpoints:
  wellKnownEndpoint: https://localhost:9444/oauth2/token/.well-known/openid-configuration
  issuer: https://localhost:9444/oauth2/token
  clientRegistrationEndpoint: https://localhost:9444/api/identity/oauth2/dcr/v1.1/register
  introspectionEndpoint: https://localhost:9444/oauth2/introspect
  tokenEndpoint: https://localhost:9444/oauth2/token
  displayTokenEndpoint: https://localhost:9444/oauth2/token
  revokeEndpoint: https://localhost:9444/oauth2/revoke
  displayRevokeEndpoint: https://localhost:9444/oauth2/revoke
  userInfoEndpoint: https://localhost:9444/scim2/Me
  authorizeEndpoint: https://localhost:9444/oauth2/authorize
  scopeManagementEndpoint: https://localhost:9444/api/identity/oauth2/v1.0/scopes
  jwks: https://localhost:9444/oauth2/jwks
grantTypes:
  - password
  - client_credentials
  - refresh_token
  - urn:ietf:params:oauth:grant-type:saml2-bearer
  - iwa:ntlm
  - urn:ietf:params:oauth:grant-type:device_code
  - authorization_code
  - urn:ietf:params:oauth:grant-type:jwt-bearer
  - urn:ietf:params:oauth:grant-type:token-exchange
connector:
  api_resource_management_endpoint: https://localhost:9444/api/server/v1/api-resources
  is7_roles_endpoint: https://localhost:9444/scim2/v2/Roles
`
