package topology

import (
	"context"
	"os"
	"path/filepath"
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
		km := KeyManagerPayload(am, documentedIssuer)
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
		raw, err := renderBlock("is-keymanager.toml.tmpl", blockData{
			TLSKeyStore: "wso2is.p12", StoreType: is.StoreType, StorePassword: storePassword,
			AuthorizeAllScopes: is.AuthorizeAllScopes, AllowSystemPrefixForRole: is.AllowSystemPrefixForRole,
			EventListener: true, NotifyEndpoint: notifyEndpoint,
		})
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
	}
	raw, err := renderBlock("is-keymanager.toml.tmpl", blockData{StoreType: "PKCS12", EventListener: false})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "event_listener") {
		t.Error("the no-event-listener fault still renders the listener")
	}
}

// fakeNode is a Node backed by a folder, to check what the setup writes where.
type fakeNode struct {
	dir string
}

func (f fakeNode) ReadFile(_ context.Context, rel string) ([]byte, error) {
	return os.ReadFile(filepath.Join(f.dir, rel))
}

func (f fakeNode) WriteFile(_ context.Context, rel string, b []byte) error {
	p := filepath.Join(f.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}

// The merge keeps the product's own tables, rewrites [server] hostname in place and adds the blocks.
func TestMergeConfigIntoADefaultFile(t *testing.T) {
	dir := t.TempDir()
	node := fakeNode{dir: dir}
	base := "[server]\nhostname = \"localhost\"\nnode_ip = \"127.0.0.1\"\n\n[super_admin]\nusername = \"admin\"\n\n[oauth]\nfoo = 1\n"
	if err := node.WriteFile(context.Background(), confFile, []byte(base)); err != nil {
		t.Fatal(err)
	}
	block := []byte("[oauth]\nauthorize_all_scopes = true\n\n[[event_listener]]\nid = \"token_revocation\"\n")
	if err := mergeInto(context.Background(), node, "wso2is", block); err != nil {
		t.Fatal(err)
	}
	out, _ := node.ReadFile(context.Background(), confFile)
	var doc map[string]any
	if err := toml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("merged file is not TOML: %v\n%s", err, out)
	}
	if doc["server"].(map[string]any)["hostname"] != "wso2is" || doc["server"].(map[string]any)["node_ip"] != "127.0.0.1" {
		t.Errorf("[server] = %v", doc["server"])
	}
	oauth := doc["oauth"].(map[string]any)
	if oauth["foo"] != int64(1) || oauth["authorize_all_scopes"] != true {
		t.Errorf("[oauth] = %v", oauth)
	}
	if strings.Count(string(out), "[oauth]") != 1 {
		t.Errorf("[oauth] header repeated:\n%s", out)
	}
}

// Every setup step a matrix expectation names exists.
func TestMatrixSetupExpectationsNameRealSteps(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range m.Expectations {
		if e.Setup != "" && !slices.Contains(StepIDs(), e.Setup) {
			t.Errorf("expectation for %s/%s names unknown setup step %q (known: %v)", e.IS, e.APIM, e.Setup, StepIDs())
		}
	}
}
