package setup

import (
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/kmconform/kmconform/containers"
	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/plan"
)

// The merge keeps the product's own tables, rewrites [server] hostname in place and adds the blocks.
func TestMergeConfigIntoADefaultFile(t *testing.T) {
	base := "[server]\nhostname = \"localhost\"\nnode_ip = \"127.0.0.1\"\n\n[super_admin]\nusername = \"admin\"\n\n[oauth]\nfoo = 1\n"
	block := []byte("[oauth]\nauthorize_all_scopes = true\n\n[[event_listener]]\nid = \"token_revocation\"\n")
	out, err := Merged([]byte(base), "wso2is", block)
	if err != nil {
		t.Fatal(err)
	}
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

// The documented blocks merge into every GA version's known default deployment.toml (fixtures/defaults):
// the merge the official images get, proven on their real settings without the images.
func TestMergeIntoEveryKnownDefault(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, isv := range m.ISVersions() {
		for _, amv := range m.APIMVersions() {
			cell, err := m.Cell(isv, amv)
			if err != nil {
				t.Fatal(err)
			}
			p, err := plan.Documented(cell, plan.JAR{Name: "h.jar", Content: []byte("x")})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []struct {
				alias   string
				product containers.Product
				version string
				store   string
			}{{containers.ISAlias, containers.IS, isv, p.IS.TLSKeyStore}, {containers.APIMAlias, containers.APIM, amv, p.APIM.TLSKeyStore}} {
				base, err := plan.KnownDefault(n.product, n.version)
				if err != nil {
					t.Fatal(err)
				}
				block, err := p.Block(n.alias)
				if err != nil {
					t.Fatal(err)
				}
				out, err := Merged(base, n.alias, block)
				if err != nil {
					t.Fatalf("%s %s: %v", n.product, n.version, err)
				}
				var doc map[string]any
				if err := toml.Unmarshal(out, &doc); err != nil {
					t.Fatalf("%s %s: merged file is not TOML: %v", n.product, n.version, err)
				}
				server, _ := doc["server"].(map[string]any)
				tls, _ := doc["keystore"].(map[string]any)["tls"].(map[string]any)
				if server["hostname"] != n.alias || tls["file_name"] != n.store {
					t.Errorf("%s %s: hostname %v, tls key store %v", n.product, n.version, server["hostname"], tls["file_name"])
				}
				// API-M keeps its own single token_revocation listener; IS gets the documented one.
				if l, _ := doc["event_listener"].([]any); len(l) != 1 {
					t.Errorf("%s %s: %d [[event_listener]] entries, want 1", n.product, n.version, len(l))
				}
			}
		}
	}
}
