package trust

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fixture mints one CA and two leaves once; RSA key generation dominates
// the test time otherwise.
var fixture = sync.OnceValues(func() (*fx, error) {
	ca, err := NewCA("kmconform test CA", testNow, 48*time.Hour)
	if err != nil {
		return nil, err
	}
	is, err := ca.IssueServer("wso2is", []string{"wso2is", "localhost"}, []net.IP{net.ParseIP("127.0.0.1")}, testNow, 24*time.Hour)
	if err != nil {
		return nil, err
	}
	am, err := ca.IssueServer("wso2am", []string{"wso2am"}, nil, testNow, 24*time.Hour)
	if err != nil {
		return nil, err
	}
	other, err := NewCA("other CA", testNow, time.Hour)
	if err != nil {
		return nil, err
	}
	return &fx{ca: ca, is: is, am: am, other: other}, nil
})

type fx struct {
	ca, other *CA
	is, am    *Leaf
}

func mustFixture(t *testing.T) *fx {
	t.Helper()
	f, err := fixture()
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return f
}

func TestCAVerifiesLeafForItsNames(t *testing.T) {
	f := mustFixture(t)
	roots := x509.NewCertPool()
	roots.AddCert(f.ca.Cert)
	opts := func(name string) x509.VerifyOptions {
		return x509.VerifyOptions{Roots: roots, DNSName: name, CurrentTime: testNow,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	}
	for _, name := range []string{"wso2is", "localhost", "127.0.0.1"} {
		if _, err := f.is.Cert.Verify(opts(name)); err != nil {
			t.Errorf("verify for %q: %v", name, err)
		}
	}
	if _, err := f.is.Cert.Verify(opts("wso2am")); err == nil {
		t.Error("leaf for wso2is verified for wso2am")
	}
	// client auth is needed for mutual TLS between API-M and IS
	o := opts("wso2is")
	o.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if _, err := f.is.Cert.Verify(o); err != nil {
		t.Errorf("verify as client certificate: %v", err)
	}
	// a different CA must not verify it
	other := x509.NewCertPool()
	other.AddCert(f.other.Cert)
	o = opts("wso2is")
	o.Roots = other
	if _, err := f.is.Cert.Verify(o); err == nil {
		t.Error("leaf verified against an unrelated CA")
	}
	// and it is not valid after its validity window
	o = opts("wso2is")
	o.CurrentTime = testNow.Add(25 * time.Hour)
	if _, err := f.is.Cert.Verify(o); err == nil {
		t.Error("leaf verified after expiry")
	}
}

func TestCAProperties(t *testing.T) {
	f := mustFixture(t)
	c := f.ca.Cert
	if !c.IsCA || c.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CA flags: IsCA=%v KeyUsage=%v", c.IsCA, c.KeyUsage)
	}
	if f.ca.Key.N.BitLen() != 2048 || f.is.Key.N.BitLen() != 2048 {
		t.Errorf("key sizes %d/%d, want 2048", f.ca.Key.N.BitLen(), f.is.Key.N.BitLen())
	}
	if c.Subject.CommonName != "kmconform test CA" {
		t.Errorf("CN %q", c.Subject.CommonName)
	}
	if !c.NotBefore.Before(testNow) || !c.NotAfter.Equal(testNow.Add(48*time.Hour)) {
		t.Errorf("validity %v..%v", c.NotBefore, c.NotAfter)
	}
	if len(f.is.Chain) != 2 || !f.is.Chain[0].Equal(f.is.Cert) || !f.is.Chain[1].Equal(c) {
		t.Errorf("chain is not [leaf, CA]")
	}
	if f.is.Cert.IsCA {
		t.Error("leaf is a CA")
	}
	block, rest := pem.Decode(f.ca.CertPEM())
	if block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 || !bytes.Equal(block.Bytes, c.Raw) {
		t.Errorf("CertPEM does not round-trip")
	}
}

func TestIssueErrors(t *testing.T) {
	f := mustFixture(t)
	if _, err := NewCA("", testNow, time.Hour); err == nil {
		t.Error("NewCA accepted an empty common name")
	}
	if _, err := NewCA("x", testNow, 0); err == nil {
		t.Error("NewCA accepted zero validity")
	}
	if _, err := f.ca.IssueServer("x", nil, nil, testNow, time.Hour); err == nil {
		t.Error("IssueServer accepted a leaf without SANs")
	}
	if _, err := f.ca.IssueServer("x", []string{"x"}, nil, testNow, 72*time.Hour); err == nil ||
		!strings.Contains(err.Error(), "after its CA") {
		t.Errorf("leaf outliving its CA: err = %v", err)
	}
	var nilCA *CA
	if _, err := nilCA.IssueServer("x", []string{"x"}, nil, testNow, time.Hour); err == nil {
		t.Error("nil CA issued a certificate")
	}
}

func TestParseStoreType(t *testing.T) {
	for in, want := range map[string]StoreType{"JKS": JKS, "jks": JKS, " Jks ": JKS, "PKCS12": PKCS12, "pkcs12": PKCS12, "p12": PKCS12} {
		got, err := ParseStoreType(in)
		if err != nil || got != want {
			t.Errorf("ParseStoreType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "JCEKS", "pem"} {
		if _, err := ParseStoreType(in); err == nil {
			t.Errorf("ParseStoreType(%q) accepted", in)
		}
	}
	if _, err := EncodeKeyStore("BKS", "a", "p", mustFixture(t).is); err == nil {
		t.Error("EncodeKeyStore accepted an unknown type")
	}
}

func TestKeyStoreRoundTrip(t *testing.T) {
	f := mustFixture(t)
	for _, typ := range []StoreType{JKS, PKCS12} {
		t.Run(string(typ), func(t *testing.T) {
			ks, err := EncodeKeyStore(typ, "wso2carbon", "wso2carbon", f.is)
			if err != nil {
				t.Fatal(err)
			}
			leaf, err := KeyStoreLeaf(typ, ks, "wso2carbon", "wso2carbon")
			if err != nil {
				t.Fatal(err)
			}
			if !leaf.Equal(f.is.Cert) {
				t.Errorf("leaf subject %v, want %v", leaf.Subject, f.is.Cert.Subject)
			}
			// Java aliases are case-insensitive.
			if _, err := KeyStoreLeaf(typ, ks, "wso2carbon", "WSO2CARBON"); err != nil {
				t.Errorf("upper-case alias: %v", err)
			}
			if _, err := KeyStoreLeaf(typ, ks, "wso2carbon", "other"); err == nil {
				t.Error("unknown alias accepted")
			}
			if _, err := KeyStoreLeaf(typ, ks, "wrong-password", "wso2carbon"); err == nil {
				t.Error("wrong password accepted")
			}
		})
	}
}

func TestPKCS12KeyStoreIsReadableByGoPKCS12(t *testing.T) {
	// The alias is added after go-pkcs12 encodes; its own decoder checks the
	// recomputed MAC, so this fails if the MAC or structure is wrong.
	f := mustFixture(t)
	ks, err := EncodeKeyStore(PKCS12, "Server-Key", "s3cret", f.is)
	if err != nil {
		t.Fatal(err)
	}
	key, cert, cas, err := pkcs12.DecodeChain(ks, "s3cret")
	if err != nil {
		t.Fatalf("DecodeChain: %v", err)
	}
	if !cert.Equal(f.is.Cert) || len(cas) != 1 || !cas[0].Equal(f.ca.Cert) {
		t.Errorf("chain mismatch")
	}
	if !f.is.Key.Equal(key) {
		t.Error("private key mismatch")
	}
	names, err := keyFriendlyNames(ks)
	if err != nil || len(names) != 1 || names[0] != "Server-Key" {
		t.Errorf("friendly names = %v, %v", names, err)
	}
	if _, _, _, err := pkcs12.DecodeChain(ks, "wrong"); err == nil {
		t.Error("wrong password accepted by DecodeChain")
	}
}

func TestTrustStoreRoundTripAndAdd(t *testing.T) {
	f := mustFixture(t)
	for _, typ := range []StoreType{JKS, PKCS12} {
		t.Run(string(typ), func(t *testing.T) {
			ts, err := NewTrustStore(typ, "wso2carbon", map[string]*x509.Certificate{
				"kmconform-ca": f.ca.Cert, "other-ca": f.other.Cert})
			if err != nil {
				t.Fatal(err)
			}
			got, err := TrustedCerts(typ, ts, "wso2carbon")
			if err != nil {
				t.Fatal(err)
			}
			assertCerts(t, got, f.ca.Cert, f.other.Cert)

			added, err := AddTrustedCert(typ, ts, "wso2carbon", "wso2am", f.am.Cert)
			if err != nil {
				t.Fatal(err)
			}
			got, err = TrustedCerts(typ, added, "wso2carbon")
			if err != nil {
				t.Fatal(err)
			}
			assertCerts(t, got, f.ca.Cert, f.other.Cert, f.am.Cert)

			// Adding the same certificate again replaces rather than duplicates.
			again, err := AddTrustedCert(typ, added, "wso2carbon", "wso2am", f.am.Cert)
			if err != nil {
				t.Fatal(err)
			}
			got, err = TrustedCerts(typ, again, "wso2carbon")
			if err != nil {
				t.Fatal(err)
			}
			assertCerts(t, got, f.ca.Cert, f.other.Cert, f.am.Cert)

			if _, err := TrustedCerts(typ, ts, "nope"); err == nil || !strings.Contains(err.Error(), "password") {
				t.Errorf("wrong password: err = %v", err)
			}
			if _, err := AddTrustedCert(typ, ts, "nope", "x", f.am.Cert); err == nil {
				t.Error("AddTrustedCert accepted a wrong password")
			}
		})
	}
}

func TestJKSAddReplacesAliasButNotKeys(t *testing.T) {
	f := mustFixture(t)
	ts, err := NewTrustStore(JKS, "pw", map[string]*x509.Certificate{"peer": f.other.Cert})
	if err != nil {
		t.Fatal(err)
	}
	ts, err = AddTrustedCert(JKS, ts, "pw", "peer", f.ca.Cert)
	if err != nil {
		t.Fatal(err)
	}
	got, err := TrustedCerts(JKS, ts, "pw")
	if err != nil {
		t.Fatal(err)
	}
	assertCerts(t, got, f.ca.Cert)

	ks, err := EncodeKeyStore(JKS, "wso2carbon", "pw", f.is)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AddTrustedCert(JKS, ks, "pw", "wso2carbon", f.ca.Cert); err == nil {
		t.Error("overwrote a private-key entry")
	}
	// A JKS keystore (key entry + trusted CA) lists both as trusted.
	ks, err = AddTrustedCert(JKS, ks, "pw", "kmconform-ca", f.ca.Cert)
	if err != nil {
		t.Fatal(err)
	}
	got, err = TrustedCerts(JKS, ks, "pw")
	if err != nil {
		t.Fatal(err)
	}
	assertCerts(t, got, f.ca.Cert, f.is.Cert)
	if _, err := KeyStoreLeaf(JKS, ks, "pw", "kmconform-ca"); err == nil {
		t.Error("KeyStoreLeaf accepted a trusted-certificate alias")
	}
}

func TestPKCS12KeyStoreRefusedAsTrustStore(t *testing.T) {
	f := mustFixture(t)
	ks, err := EncodeKeyStore(PKCS12, "wso2carbon", "pw", f.is)
	if err != nil {
		t.Fatal(err)
	}
	_, err = AddTrustedCert(PKCS12, ks, "pw", "x", f.ca.Cert)
	if err == nil || !strings.Contains(err.Error(), "private key") {
		t.Errorf("AddTrustedCert on a PKCS12 keystore: err = %v", err)
	}
	if _, err := TrustedCerts(PKCS12, ks, "pw"); err == nil {
		t.Error("TrustedCerts accepted a PKCS12 keystore")
	}
	// Reading a PKCS12 file as JKS names the likely mistake.
	if _, err := TrustedCerts(JKS, ks, "pw"); err == nil || !strings.Contains(err.Error(), "PKCS12") {
		t.Errorf("PKCS12 read as JKS: err = %v", err)
	}
}

func TestSubjectAlias(t *testing.T) {
	cases := map[string]pkix.Name{
		"digicert-global-root-g2": {CommonName: "DigiCert Global Root G2"},
		"wso2is":                  {CommonName: "wso2is"},
		"ou-x-o-acme":             {Organization: []string{"Acme"}, OrganizationalUnit: []string{"X"}},
	}
	for want, subj := range cases {
		if got := subjectAlias(&x509.Certificate{Subject: subj, Raw: []byte("x")}); got != want {
			t.Errorf("subjectAlias(%v) = %q, want %q", subj, got, want)
		}
	}
}

func TestPKCS12AddNamesCollidingSubjects(t *testing.T) {
	// Two certificates whose subjects derive the same alias must both survive.
	f := mustFixture(t)
	twin, err := NewCA("kmconform test CA", testNow, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := NewTrustStore(PKCS12, "pw", map[string]*x509.Certificate{"a": f.ca.Cert})
	if err != nil {
		t.Fatal(err)
	}
	ts, err = AddTrustedCert(PKCS12, ts, "pw", "b", twin.Cert)
	if err != nil {
		t.Fatal(err)
	}
	ts, err = AddTrustedCert(PKCS12, ts, "pw", "c", f.other.Cert)
	if err != nil {
		t.Fatal(err)
	}
	got, err := TrustedCerts(PKCS12, ts, "pw")
	if err != nil {
		t.Fatal(err)
	}
	assertCerts(t, got, f.ca.Cert, twin.Cert, f.other.Cert)
}

func assertCerts(t *testing.T, got []*x509.Certificate, want ...*x509.Certificate) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d certificates, want %d", len(got), len(want))
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if g.Equal(w) {
				found = true
			}
		}
		if !found {
			t.Errorf("missing certificate %v", w.Subject)
		}
	}
}

// TestKeytoolListsStores checks that a real JDK keytool reads what we write,
// including the alias of a PKCS12 private-key entry.
func TestKeytoolListsStores(t *testing.T) {
	keytool := jdkTool(t, "keytool")
	f := mustFixture(t)
	dir := t.TempDir()
	for _, typ := range []StoreType{JKS, PKCS12} {
		ks, err := EncodeKeyStore(typ, "wso2carbon", "wso2carbon", f.is)
		if err != nil {
			t.Fatal(err)
		}
		ts, err := NewTrustStore(typ, "wso2carbon", map[string]*x509.Certificate{"kmconform-ca": f.ca.Cert})
		if err != nil {
			t.Fatal(err)
		}
		ts, err = AddTrustedCert(typ, ts, "wso2carbon", "wso2am", f.am.Cert)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, data string
			count      int
			aliases    []string
			kind       string
		}{
			{"keystore", string(ks), 1, []string{"wso2carbon"}, "PrivateKeyEntry"},
			{"truststore", string(ts), 2, []string{"wso2am"}, "trustedCertEntry"},
		} {
			path := filepath.Join(dir, c.name+"."+strings.ToLower(string(typ)))
			if err := os.WriteFile(path, []byte(c.data), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(keytool, "-list", "-keystore", path, "-storetype", string(typ), "-storepass", "wso2carbon").CombinedOutput()
			if err != nil {
				t.Fatalf("keytool -list %s %s: %v\n%s", typ, c.name, err, out)
			}
			m := regexp.MustCompile(`Your keystore contains (\d+) entr`).FindStringSubmatch(string(out))
			if m == nil || m[1] != strconv.Itoa(c.count) {
				t.Errorf("%s %s: want %d entries, keytool said:\n%s", typ, c.name, c.count, out)
			}
			for _, a := range c.aliases {
				if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(a) + `, .*` + c.kind).Match(out) {
					t.Errorf("%s %s: no %s %q in keytool output:\n%s", typ, c.name, c.kind, a, out)
				}
			}
		}
	}
}
