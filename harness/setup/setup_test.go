package setup

import (
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
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
