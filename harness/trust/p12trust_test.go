package trust

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

func TestRC2Vectors(t *testing.T) {
	// RFC 2268 section 5.
	for _, v := range []struct {
		key, plain, cipher string
		bits               int
	}{
		{"0000000000000000", "0000000000000000", "ebb773f993278eff", 63},
		{"ffffffffffffffff", "ffffffffffffffff", "278b27e42e2f0d49", 64},
		{"3000000000000000", "1000000000000001", "30649edf9be7d2c2", 64},
		{"88", "0000000000000000", "61a8a244adacccf0", 64},
		{"88bca90e90875a", "0000000000000000", "6ccf4308974c267f", 64},
		{"88bca90e90875a7f0f79c384627bafb2", "0000000000000000", "1a807d272bbe5db1", 64},
		{"88bca90e90875a7f0f79c384627bafb2", "0000000000000000", "2269552ab0f85ca6", 128},
		{"88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e", "0000000000000000", "5b78d3a43dfff1f1", 129},
	} {
		key, _ := hex.DecodeString(v.key)
		plain, _ := hex.DecodeString(v.plain)
		want, _ := hex.DecodeString(v.cipher)
		b, err := newRC2Bits(key, v.bits)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 8)
		b.Encrypt(got, plain)
		if !bytes.Equal(got, want) {
			t.Errorf("RC2 key %s/%d: encrypt = %x, want %x", v.key, v.bits, got, want)
		}
		b.Decrypt(got, want)
		if !bytes.Equal(got, plain) {
			t.Errorf("RC2 key %s/%d: decrypt = %x, want %x", v.key, v.bits, got, plain)
		}
	}
}

// TestPKCS12AddKeepsAliases is the IS 7.1 client-truststore.p12 case: adding
// a certificate must not rename the existing entries.
func TestPKCS12AddKeepsAliases(t *testing.T) {
	f := mustFixture(t)
	encoders := []struct {
		name, password string
		enc            *pkcs12.Encoder
	}{
		{"Modern2023", "wso2carbon", pkcs12.Modern2023},
		{"LegacyRC2", "wso2carbon", pkcs12.LegacyRC2},
		{"LegacyDES", "wso2carbon", pkcs12.LegacyDES},
		{"Passwordless", "", pkcs12.Passwordless},
	}
	for _, e := range encoders {
		t.Run(e.name, func(t *testing.T) {
			ts, err := e.enc.EncodeTrustStoreEntries([]pkcs12.TrustStoreEntry{
				{Cert: f.ca.Cert, FriendlyName: "wso2carbon"},
				{Cert: f.other.Cert, FriendlyName: "digicert-x"},
			}, e.password)
			if err != nil {
				t.Fatal(err)
			}
			assertAliases(t, ts, e.password, "wso2carbon", "digicert-x")

			added, err := AddTrustedCert(PKCS12, ts, e.password, "wso2am", f.am.Cert)
			if err != nil {
				t.Fatal(err)
			}
			assertAliases(t, added, e.password, "wso2carbon", "digicert-x", "wso2am")
			got, err := TrustedCerts(PKCS12, added, e.password)
			if err != nil {
				t.Fatal(err)
			}
			assertCerts(t, got, f.ca.Cert, f.other.Cert, f.am.Cert)
			keytoolAliases(t, added, e.password, "wso2carbon", "digicert-x", "wso2am")

			// Same alias (any case, as in Java) replaces that entry only.
			replaced, err := AddTrustedCert(PKCS12, added, e.password, "WSO2Carbon", f.is.Cert)
			if err != nil {
				t.Fatal(err)
			}
			assertAliases(t, replaced, e.password, "digicert-x", "wso2am", "WSO2Carbon")
			got, err = TrustedCerts(PKCS12, replaced, e.password)
			if err != nil {
				t.Fatal(err)
			}
			assertCerts(t, got, f.other.Cert, f.am.Cert, f.is.Cert)
		})
	}
}

func TestPKCS12AddNamesOnlyUnnamedEntries(t *testing.T) {
	// A bag without a (non-empty) friendlyName gets a subject-derived alias;
	// named bags keep theirs, even when it equals that derived name.
	f := mustFixture(t)
	ts, err := pkcs12.Modern2023.EncodeTrustStoreEntries([]pkcs12.TrustStoreEntry{
		{Cert: f.other.Cert, FriendlyName: ""},
		{Cert: f.ca.Cert, FriendlyName: "other-ca"}, // subjectAlias(f.other.Cert)
	}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	assertAliases(t, ts, "pw", "", "other-ca")
	added, err := AddTrustedCert(PKCS12, ts, "pw", "wso2am", f.am.Cert)
	if err != nil {
		t.Fatal(err)
	}
	assertAliases(t, added, "pw", "other-ca", "other-ca-"+fingerprintPrefix(f.other.Cert), "wso2am")

	// An unnamed entry holding the certificate being added is not duplicated.
	again, err := AddTrustedCert(PKCS12, ts, "pw", "peer", f.other.Cert)
	if err != nil {
		t.Fatal(err)
	}
	assertAliases(t, again, "pw", "other-ca", "peer")
}

func TestTrustedAliasesJKSAndErrors(t *testing.T) {
	f := mustFixture(t)
	ts, err := NewTrustStore(JKS, "pw", map[string]*x509.Certificate{"b-ca": f.ca.Cert, "a-ca": f.other.Cert})
	if err != nil {
		t.Fatal(err)
	}
	got, err := TrustedAliases(JKS, ts, "pw")
	if err != nil {
		t.Fatal(err)
	}
	certs, err := TrustedCerts(JKS, ts, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"a-ca", "b-ca"}) || len(certs) != 2 || !certs[0].Equal(f.other.Cert) {
		t.Errorf("JKS aliases = %q, want [a-ca b-ca] aligned with TrustedCerts", got)
	}
	p12, err := NewTrustStore(PKCS12, "pw", map[string]*x509.Certificate{"x": f.ca.Cert})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TrustedAliases(PKCS12, p12, "nope"); err == nil || !strings.Contains(err.Error(), "password") {
		t.Errorf("wrong password: err = %v", err)
	}
	// The reader itself also rejects a wrong password (bad padding), for
	// every cipher, in case it is ever called without go-pkcs12's MAC check.
	for _, enc := range []*pkcs12.Encoder{pkcs12.Modern2023, pkcs12.LegacyRC2, pkcs12.LegacyDES} {
		der, err := enc.WithRand(rand.Reader).EncodeTrustStoreEntries([]pkcs12.TrustStoreEntry{{Cert: f.ca.Cert, FriendlyName: "x"}}, "pw")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := readP12CertEntries(der, "wrong-password"); err == nil {
			t.Error("readP12CertEntries accepted a wrong password")
		}
	}
	ks, err := EncodeKeyStore(PKCS12, "wso2carbon", "pw", f.is)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TrustedAliases(PKCS12, ks, "pw"); err == nil || !strings.Contains(err.Error(), "private key") {
		t.Errorf("PKCS12 keystore: err = %v", err)
	}
}

// TestPKCS12AddKeepsKeytoolAliases starts from trust stores written by a
// real keytool: the JDK default (PBES2/AES-256 certificate encryption) and,
// where the JDK supports keystore.pkcs12.legacy, RC2-40/SHA-1.
func TestPKCS12AddKeepsKeytoolAliases(t *testing.T) {
	keytool := jdkTool(t, "keytool")
	f := mustFixture(t)
	dir := t.TempDir()
	pems := map[string]string{}
	for name, c := range map[string]*x509.Certificate{"wso2carbon": f.ca.Cert, "digicert-x": f.other.Cert} {
		p := filepath.Join(dir, name+".pem")
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
		pems[name] = p
	}
	for _, variant := range []struct {
		name  string
		flags []string
	}{
		{"default", nil},
		{"legacy", []string{"-J-Dkeystore.pkcs12.legacy"}},
	} {
		t.Run(variant.name, func(t *testing.T) {
			store := filepath.Join(dir, variant.name+".p12")
			for _, alias := range []string{"wso2carbon", "digicert-x"} {
				args := append(slices.Clone(variant.flags), "-importcert", "-noprompt", "-storetype", "PKCS12",
					"-keystore", store, "-storepass", "wso2carbon", "-alias", alias, "-file", pems[alias])
				if out, err := exec.Command(keytool, args...).CombinedOutput(); err != nil {
					t.Fatalf("keytool -importcert %s: %v\n%s", alias, err, out)
				}
			}
			ts, err := os.ReadFile(store)
			if err != nil {
				t.Fatal(err)
			}
			assertAliases(t, ts, "wso2carbon", "wso2carbon", "digicert-x")
			added, err := AddTrustedCert(PKCS12, ts, "wso2carbon", "wso2am", f.am.Cert)
			if err != nil {
				t.Fatal(err)
			}
			assertAliases(t, added, "wso2carbon", "wso2carbon", "digicert-x", "wso2am")
			keytoolAliases(t, added, "wso2carbon", "wso2carbon", "digicert-x", "wso2am")
		})
	}
}

// assertAliases compares TrustedAliases with want, ignoring order (keytool
// writes entries in hash order).
func assertAliases(t *testing.T, store []byte, password string, want ...string) {
	t.Helper()
	got, err := TrustedAliases(PKCS12, store, password)
	if err != nil {
		t.Fatal(err)
	}
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("aliases = %q, want %q", got, want)
	}
}

// keytoolAliases checks with keytool -list, when available, that the store
// holds exactly the given trusted-certificate aliases.
func keytoolAliases(t *testing.T, store []byte, password string, want ...string) {
	t.Helper()
	keytool, err := exec.LookPath("keytool")
	if err != nil {
		t.Log("keytool not on PATH; skipping the keytool -list check")
		return
	}
	path := filepath.Join(t.TempDir(), "check.p12")
	if err := os.WriteFile(path, store, 0o600); err != nil {
		t.Fatal(err)
	}
	// -storepass "" works for empty-password stores too.
	out, err := exec.Command(keytool, "-list", "-keystore", path, "-storetype", "PKCS12", "-storepass", password).CombinedOutput()
	if err != nil {
		t.Fatalf("keytool -list: %v\n%s", err, out)
	}
	var got []string
	for _, m := range regexp.MustCompile(`(?m)^([^,\n]+), .*trustedCertEntry`).FindAllStringSubmatch(string(out), -1) {
		got = append(got, m[1])
	}
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("keytool aliases = %q, want %q; output:\n%s", got, want, out)
	}
}
