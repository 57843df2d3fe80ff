package defaulthome

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kmconform/kmconform/sim/home"
)

// TestWriteIS checks the IS homes against identity-server-7.md §1/§2: store formats per version, the
// private-key entries of the primary store, DN and validity of the (expired) wso2carbon certificate.
// TestWriteIS: identity-server-7.md §1, §2. 7.3.0's key entries, certificate validity and
// [datasource.AgentIdentity] are UNCONFIRMED (no 7.3.0 data in the reference): chose 7.2.0's.
func TestWriteIS(t *testing.T) {
	cases := []struct {
		version, ext, typ string
		aliases           []string
		from, to          string
	}{
		{"7.0.0", "jks", "JKS", []string{"wso2carbon", "newkey"}, "2023-12-06", "2025-01-07"},
		{"7.1.0", "p12", "PKCS12", []string{"wso2carbon"}, "2025-01-08", "2026-01-08"},
		{"7.2.0", "p12", "PKCS12", []string{"wso2carbon"}, "2025-01-08", "2026-01-08"},
		{"7.3.0", "p12", "PKCS12", []string{"wso2carbon"}, "2025-01-08", "2026-01-08"},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := Write("is", c.version, dir); err != nil {
				t.Fatal(err)
			}
			h, err := home.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			spec := h.KeyStoreSpec("primary", home.StoreSpec{})
			if spec.File != "wso2carbon."+c.ext || spec.Type != c.typ || spec.Password != "wso2carbon" {
				t.Fatalf("primary spec = %+v", spec)
			}
			if tls := h.KeyStoreSpec("tls", home.StoreSpec{}); tls != spec {
				t.Errorf("[keystore.tls] must be commented out and fall back to primary, got %+v", tls)
			}
			keys, err := h.LoadKeyStore(spec)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range keys {
				got = append(got, k.Alias)
			}
			// LoadKeyStore puts the configured alias first; the rest come in store order.
			if got[0] != "wso2carbon" || !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(c.aliases))) {
				t.Errorf("private-key aliases = %v, want %v", got, c.aliases)
			}
			leaf := keys[0].Chain[0]
			if s := leaf.Subject.String(); s != "CN=localhost,OU=WSO2,O=WSO2,L=Santa Clara,ST=CA,C=US" {
				t.Errorf("subject = %s", s)
			}
			if leaf.NotBefore.Format(time.DateOnly) != c.from || leaf.NotAfter.Format(time.DateOnly) != c.to {
				t.Errorf("validity %s → %s, want %s → %s", leaf.NotBefore, leaf.NotAfter, c.from, c.to)
			}
			if time.Now().Before(leaf.NotAfter) {
				t.Errorf("default certificate must be expired (§2), valid until %s", leaf.NotAfter)
			}
			if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "localhost" {
				t.Errorf("SAN = %v", leaf.DNSNames)
			}
			trust, err := h.LoadTrustStore(h.TrustStoreSpec(home.StoreSpec{}))
			if err != nil {
				t.Fatal(err)
			}
			if len(trust) == 0 || !trust[0].Equal(leaf) {
				t.Errorf("trust store must hold the wso2carbon certificate")
			}
			_, agent := h.Lookup("datasource", "AgentIdentity")
			if agent != (c.version >= "7.2.0") {
				t.Errorf("[datasource.AgentIdentity] present = %v", agent)
			}
			raw, _ := os.ReadFile(filepath.Join(dir, home.ConfFile))
			if !strings.Contains(string(raw), "#[keystore.tls]") {
				t.Errorf("the commented #[keystore.tls] block is missing")
			}
			for _, d := range []string{home.DropinsDir, home.LogsDir} {
				entries, err := os.ReadDir(h.Path(d))
				if err != nil || len(entries) != 0 {
					t.Errorf("%s: %v, %d entries", d, err, len(entries))
				}
			}
		})
	}
}

// TestWriteIS700Newkey: 7.0.0 GA's second key newkey, 2024-02-12 → 2024-05-12 (§2).
func TestWriteIS700Newkey(t *testing.T) {
	dir := t.TempDir()
	if err := Write("is", "7.0.0", dir); err != nil {
		t.Fatal(err)
	}
	h, _ := home.Load(dir)
	keys, err := h.LoadKeyStore(h.KeyStoreSpec("primary", home.StoreSpec{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys[1:] {
		c := k.Chain[0]
		if k.Alias != "newkey" || c.NotBefore.Format(time.DateOnly) != "2024-02-12" || c.NotAfter.Format(time.DateOnly) != "2024-05-12" {
			t.Errorf("second key %s %s → %s", k.Alias, c.NotBefore, c.NotAfter)
		}
		if c.Subject.String() != "CN=localhost,OU=IT,O=/en/next" {
			t.Errorf("newkey subject %s", c.Subject)
		}
	}
}

// TestWriteAPIM checks the API-M homes (api-manager-4.md §1, §7).
func TestWriteAPIM(t *testing.T) {
	for _, v := range APIMVersions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := Write("apim", v, dir); err != nil {
				t.Fatal(err)
			}
			h, err := home.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			spec := h.KeyStoreSpec("tls", home.StoreSpec{})
			if spec.File != "wso2carbon.jks" || spec.Type != "JKS" || spec.Alias != "wso2carbon" {
				t.Fatalf("tls spec %+v", spec)
			}
			keys, err := h.LoadKeyStore(spec)
			if err != nil {
				t.Fatal(err)
			}
			leaf := keys[0].Chain[0]
			if leaf.Subject.String() != "CN=localhost,O=WSO2,L=Mountain View,ST=CA,C=US" {
				t.Errorf("subject %s", leaf.Subject)
			}
			// UNCONFIRMED (api-manager-4.md §1): validity not documented; chosen expired.
			if time.Now().Before(leaf.NotAfter) {
				t.Errorf("API-M default certificate must be expired")
			}
			if _, err := h.LoadTrustStore(home.StoreSpec{File: "client-truststore.jks", Type: "JKS", Password: "wso2carbon"}); err != nil {
				t.Error(err)
			}
			_, hasGT := h.Lookup("apim", "gateway_type")
			if hasGT != (v >= "4.5.0") {
				t.Errorf("[apim] gateway_type present = %v", hasGT)
			}
			envs := h.Tables("apim", "gateway", "environment")
			if len(envs) != 1 || envs[0]["name"] != "Default" || envs[0]["https_endpoint"] == nil {
				t.Errorf("gateway environments %v", envs)
			}
			ls := h.Tables("event_listener")
			if len(ls) != 1 {
				t.Fatalf("event listeners %v", ls)
			}
			props, _ := ls[0]["properties"].(map[string]any)
			if props["header.X-WSO2-KEY-MANAGER"] != "default" || ls[0]["type"] != "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler" {
				t.Errorf("token_revocation listener %v", ls[0])
			}
			for _, p := range [][]string{{"apim", "key_manager"}, {"service_provider"}, {"oauth", "grant_type", "token_exchange"}, {"super_admin"}} {
				if _, ok := h.Lookup(p...); !ok {
					t.Errorf("missing [%s]", strings.Join(p, "."))
				}
			}
			if len(h.Tables("event_handler")) != 1 {
				t.Errorf("missing [[event_handler]]")
			}
		})
	}
}

func TestWriteUnsupported(t *testing.T) {
	err := Write("is", "7.9.0", t.TempDir())
	if err == nil || err.Error() != "unsupported IS version 7.9.0: kmsim plays 7.0.0, 7.1.0, 7.2.0, 7.3.0" {
		t.Errorf("err = %v", err)
	}
	if err := Write("apim", "4.2.0", t.TempDir()); err == nil {
		t.Error("API-M 4.2.0 must be refused")
	}
	if err := Write("esb", "7.0.0", t.TempDir()); err == nil {
		t.Error("unknown product must be refused")
	}
}
