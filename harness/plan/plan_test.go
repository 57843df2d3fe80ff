package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/kmconform/kmconform/harness/matrix"
)

// Every API-M version gets a Key Manager payload with the connector keys its bundled connector requires
// (API-M reference §2.2), and the documented endpoints under IS's network name.
func TestKeyManagerPayloadCarriesEachVersionsRequiredKeys(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, am := range m.APIManager {
		km := KeyManagerPayload(am, DocumentedIssuer)
		for _, key := range am.ConnectorKeys {
			if _, ok := km.AdditionalProperties[key]; !ok {
				t.Errorf("API-M %s: payload lacks required connector key %s", am.Version, key)
			}
		}
		if _, ok := km.AdditionalProperties["Authentication"]; ok != am.AuthenticationBlock {
			t.Errorf("API-M %s: Authentication present=%t, want %t", am.Version, ok, am.AuthenticationBlock)
		}
		if v, ok := km.AdditionalProperties["enable_roles_creation"]; ok {
			if _, isBool := v.(bool); !isBool {
				t.Errorf("API-M %s: enable_roles_creation must be a JSON boolean, got %T", am.Version, v)
			}
		}
		if km.Type != "WSO2-IS-7" || km.Issuer != "https://wso2is:9443/oauth2/token" ||
			km.UserInfoEndpoint != "https://wso2is:9443/scim2/Me" || km.Certificates.Value != "https://wso2is:9443/oauth2/jwks" {
			t.Errorf("API-M %s: documented values wrong: %+v", am.Version, km)
		}
		if !km.EnableSelfValidationJWT || !km.EnableOAuthAppCreation || !slices.Contains(km.AvailableGrantTypes, "client_credentials") {
			t.Errorf("API-M %s: flags or grants wrong: %+v", am.Version, km)
		}
	}
}

// The IS blocks per version: 7.0.0 GA does not know authorize_all_scopes and allow_system_prefix_for_role.
func TestISBlockPerVersion(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, is := range m.IdentityServer {
		cell, err := m.Cell(is.Version, m.APIMVersions()[0])
		if err != nil {
			t.Fatal(err)
		}
		p, err := Documented(cell, JAR{Name: "h.jar", Content: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := p.ISBlockTOML()
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := toml.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("IS %s block is not TOML: %v", is.Version, err)
		}
		_, hasOAuth := doc["oauth"]
		_, hasRoleMgt := doc["role_mgt"]
		if hasOAuth != is.AuthorizeAllScopes || hasRoleMgt != is.AllowSystemPrefixForRole {
			t.Errorf("IS %s: [oauth]=%t [role_mgt]=%t", is.Version, hasOAuth, hasRoleMgt)
		}
		listeners, _ := doc["event_listener"].([]any)
		if len(listeners) != 1 {
			t.Fatalf("IS %s: %d event listeners", is.Version, len(listeners))
		}
		l := listeners[0].(map[string]any)
		props := l["properties"].(map[string]any)
		if l["type"] != "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler" ||
			props["header.X-WSO2-KEY-MANAGER"] != "WSO2-IS" || props["notification_endpoint"] != "https://wso2am:9443/internal/data/v1/notify" {
			t.Errorf("IS %s: listener = %v", is.Version, l)
		}
		if rules, _ := doc["resource"].(map[string]any)["access_control"].([]any); len(rules) != 1 {
			t.Errorf("IS %s: /scim2/Me access control missing: %v", is.Version, doc["resource"])
		}
		wantStore := map[string]string{"JKS": "wso2is.jks", "PKCS12": "wso2is.p12"}[is.StoreType]
		if p.IS.TLSKeyStore != wantStore || p.APIPath() != "/kmconform-echo/1.0.0/ping" {
			t.Errorf("IS %s: key store %s, API path %s", is.Version, p.IS.TLSKeyStore, p.APIPath())
		}
	}
}

func TestBlocksLeaveOutWhatThePlanTurnsOff(t *testing.T) {
	p := &Plan{IS: ISBlock{StoreType: "PKCS12", EventListener: false, SCIMMeRule: false}}
	raw, err := p.ISBlockTOML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "event_listener") || strings.Contains(string(raw), "scim2/Me") {
		t.Errorf("a plan without listener and /scim2/Me rule still renders them:\n%s", raw)
	}
}

// The payload follows the cell's own documentation page (fixtures/docs): the 4.3 page prints the
// authorize endpoint as /scim2/Me, which the setup registers until drift compensation replaces it.
func TestDocumentedFollowsTheReleasesPage(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	for apim, authorize := range map[string]string{"4.3.0": "/scim2/Me", "4.4.0": "/oauth2/authorize", "4.7.0": "/oauth2/authorize"} {
		cell, err := m.Cell("7.1.0", apim)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Documented(cell, JAR{Name: "h.jar", Content: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		km := p.KeyManager
		if km.AuthorizeEndpoint != ISBase+authorize || km.DisplayTokenEndpoint != ISBase+"/oauth2/token" ||
			p.Docs == nil || p.Docs.Docs != cell.APIM.Docs {
			t.Errorf("API-M %s: authorize %s, display token %s, docs %v", apim, km.AuthorizeEndpoint, km.DisplayTokenEndpoint, p.Docs)
		}
	}
	cell, _ := m.Cell("7.1.0", "4.5.0")
	cell.APIM.Docs = ""
	if _, err := Documented(cell, JAR{}); err == nil || !strings.Contains(err.Error(), "names no documentation version") {
		t.Errorf("a cell without a docs version: %v", err)
	}
}
