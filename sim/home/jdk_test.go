package home

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

func selfSigned(t *testing.T) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

func writeStore(t *testing.T, h *Home, name string, data []byte) {
	t.Helper()
	dir := h.Path(SecurityDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

const jvmPBMAC1 = "Integrity check failed: java.security.NoSuchAlgorithmException: Algorithm HmacPBE1.2.840.113549.1.5.14 not available"

// TestPBMAC1Refused: go-libraries.md §6 gotcha 2 with the JDKs of identity-server-7.md §1 and
// api-manager-4.md §1 (11, 17, 21): a PKCS12 store whose MAC is PBMAC1 (go-pkcs12 Modern2026) fails to
// load with the JVM's message, while the same content encoded with Modern (2023) loads.
func TestPBMAC1Refused(t *testing.T) {
	key, cert := selfSigned(t)
	h := &Home{Dir: t.TempDir()}
	for _, tc := range []struct {
		enc  *pkcs12.Encoder
		fail bool
	}{{pkcs12.Modern2026, true}, {pkcs12.Modern2023, false}} {
		ks, err := tc.enc.Encode(key, cert, nil, "wso2carbon")
		if err != nil {
			t.Fatal(err)
		}
		if !tc.fail { // go-pkcs12 names no key entry; a JVM would call it "1" (identity-server-7.md §2)
			if ks, err = SetPKCS12KeyAlias(ks, "wso2carbon", "wso2carbon"); err != nil {
				t.Fatal(err)
			}
		}
		ts, err := tc.enc.EncodeTrustStoreEntries([]pkcs12.TrustStoreEntry{{Cert: cert, FriendlyName: "ca"}}, "wso2carbon")
		if err != nil {
			t.Fatal(err)
		}
		writeStore(t, h, "ks.p12", ks)
		writeStore(t, h, "ts.p12", ts)
		_, kerr := h.LoadKeyStore(StoreSpec{File: "ks.p12", Type: "PKCS12", Password: "wso2carbon", Alias: "wso2carbon"})
		_, terr := h.LoadTrustStore(StoreSpec{File: "ts.p12", Type: "PKCS12", Password: "wso2carbon"})
		if !tc.fail {
			if kerr != nil || terr != nil {
				t.Fatalf("Modern2023 store must load: key store %v, trust store %v", kerr, terr)
			}
			continue
		}
		for what, err := range map[string]error{"key store ks.p12": kerr, "trust store ts.p12": terr} {
			if err == nil || !strings.Contains(err.Error(), jvmPBMAC1) || !strings.Contains(err.Error(), what) {
				t.Errorf("%s with PBMAC1: got %v, want the JVM's %q", what, err, jvmPBMAC1)
			}
		}
	}
}

// TestPBMAC1NotAPFX: bytes that are not a PFX are left to the decoder's own error.
func TestPBMAC1NotAPFX(t *testing.T) {
	if err := checkJDKReadable([]byte("not a keystore")); err != nil {
		t.Fatalf("garbage: %v", err)
	}
}
