package matrix

import (
	"strings"
	"testing"
)

func TestDefaultMatrixKnowsEveryGAVersion(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.ISVersions(), ","); got != "7.0.0,7.1.0,7.2.0,7.3.0" {
		t.Errorf("IS versions = %s", got)
	}
	if got := strings.Join(m.APIMVersions(), ","); got != "4.3.0,4.4.0,4.5.0,4.6.0,4.7.0" {
		t.Errorf("API-M versions = %s", got)
	}
	c, err := m.Cell("7.0.0", "4.3.0")
	if err != nil {
		t.Fatal(err)
	}
	if c.IS.StoreType != "JKS" || c.IS.AuthorizeAllScopes {
		t.Errorf("IS 7.0.0 facts wrong: %+v", c.IS)
	}
	if c.Name() != "is-7.0.0_apim-4.3.0" {
		t.Errorf("cell name = %s", c.Name())
	}
}

func TestUnknownVersionSaysWhatIsKnown(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Cell("7.9.0", "4.5.0")
	if err == nil || !strings.Contains(err.Error(), `unknown IS version "7.9.0"`) || !strings.Contains(err.Error(), "7.1.0") {
		t.Fatalf("err = %v", err)
	}
	_, err = m.Cell("7.1.0", "4.2.0")
	if err == nil || !strings.Contains(err.Error(), `unknown API-M version "4.2.0"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestExpectations(t *testing.T) {
	raw := `
identityServer: [{version: "7.0.0", image: i, storeType: JKS}]
apiManager: [{version: "4.6.0", image: a}, {version: "4.5.0", image: b}, {version: "4.7.0", image: c}]
capabilities: {revocation.notify: r, issuer: i}
expectations:
  - {is: "7.0.0", apim: ">=4.6.0", capability: revocation.notify, status: known-failure, match: "did not reach", reason: because}
`
	m, err := Parse([]byte(raw), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := m.Cell("7.0.0", "4.6.0")
	if e := c.Expect("revocation.notify"); e.Status != KnownFailure || e.Reason != "because" {
		t.Errorf("got %+v", e)
	}
	if e := c.Expect("issuer"); e.Status != Required {
		t.Errorf("got %+v", e)
	}
	if e := func() Expectation { c, _ := m.Cell("7.0.0", "4.7.0"); return c.Expect("revocation.notify") }(); e.Status != KnownFailure {
		t.Errorf("the range >=4.6.0 does not cover 4.7.0: %+v", e)
	}
	other, _ := m.Cell("7.0.0", "4.5.0")
	if e := other.Expect("revocation.notify"); e.Status != Required {
		t.Errorf("expectation leaked into another cell: %+v", e)
	}
	defer func() {
		if recover() == nil {
			t.Error("unknown capability did not panic")
		}
	}()
	c.Expect("no.such.capability")
}

func TestBadMatrixFiles(t *testing.T) {
	for name, raw := range map[string]string{
		"unknown field":               "identityServer: []\nbogus: 1\n",
		"empty":                       "capabilities: {}\n",
		"bad store type":              `{identityServer: [{version: "7.1.0", image: x, storeType: P12}], apiManager: [{version: "4.5.0", image: y}]}`,
		"unknown capability":          `{identityServer: [{version: "7.1.0", image: x, storeType: JKS}], apiManager: [{version: "4.5.0", image: y}], capabilities: {}, expectations: [{is: "*", apim: "*", capability: nope, status: unsupported, reason: r}]}`,
		"range matching nothing":      `{identityServer: [{version: "7.1.0", image: x, storeType: JKS}], apiManager: [{version: "4.5.0", image: y}], capabilities: {c: d}, expectations: [{is: "<7.0.0", apim: "*", capability: c, status: unsupported, reason: r}]}`,
		"bad range":                   `{identityServer: [{version: "7.1.0", image: x, storeType: JKS}], apiManager: [{version: "4.5.0", image: y}], capabilities: {c: d}, expectations: [{is: "seven", apim: "*", capability: c, status: unsupported, reason: r}]}`,
		"known failure without match": `{identityServer: [{version: "7.1.0", image: x, storeType: JKS}], apiManager: [{version: "4.5.0", image: y}], capabilities: {c: d}, expectations: [{is: "*", apim: "*", capability: c, status: known-failure, reason: r}]}`,
		"bad status":                  `{identityServer: [{version: "7.1.0", image: x, storeType: JKS}], apiManager: [{version: "4.5.0", image: y}], capabilities: {c: d}, expectations: [{is: "*", apim: "*", capability: c, status: maybe, reason: r}]}`,
	} {
		if _, err := Parse([]byte(raw), "bad.yaml"); err == nil || !strings.Contains(err.Error(), "matrix file bad.yaml is not valid") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
