package setup

import (
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/kmconform/kmconform/harness/matrix"
	"github.com/kmconform/kmconform/harness/plan"
)

// The setup fault apim-token-exchange-disabled turns the grant off in API-M's own [oauth.grant_type.
// token_exchange] table (every 4.3–4.7 default file enables it there); the documented block leaves it.
func TestTokenExchangeDisabledMergesIntoAPIMDefaults(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	cell, err := m.Cell("7.1.0", "4.5.0")
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Documented(cell, plan.JAR{})
	if err != nil {
		t.Fatal(err)
	}
	base := "[server]\nhostname = \"localhost\"\n\n[oauth.grant_type.token_exchange]\nenable = true\nallow_refresh_tokens = true\niat_validity_period = \"1h\"\n"
	enabled := func() any {
		block, err := p.APIMBlockTOML()
		if err != nil {
			t.Fatal(err)
		}
		out, err := Merged([]byte(base), "wso2am", block)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(string(out), "[oauth.grant_type.token_exchange]") != 1 {
			t.Errorf("table header repeated:\n%s", out)
		}
		var doc map[string]any
		if err := toml.Unmarshal(out, &doc); err != nil {
			t.Fatalf("merged file is not TOML: %v\n%s", err, out)
		}
		tx := doc["oauth"].(map[string]any)["grant_type"].(map[string]any)["token_exchange"].(map[string]any)
		if tx["allow_refresh_tokens"] != true {
			t.Errorf("the other keys of the table changed: %v", tx)
		}
		return tx["enable"]
	}
	if got := enabled(); got != true {
		t.Errorf("documented setup: enable = %v, want API-M's default true", got)
	}
	p.APIM.TokenExchangeDisabled = true
	if got := enabled(); got != false {
		t.Errorf("with the grant disabled: enable = %v, want false", got)
	}
}
