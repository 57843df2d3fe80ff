package defaulthome

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kmconform/kmconform/sim/home"
	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// writeISStores writes the IS primary key store and trust store: JKS pair for 7.0.0, PKCS12 pair from
// 7.1.0 (identity-server-7.md §2). The trust store holds the wso2carbon certificate; the real ones also
// hold about 143 public CAs, which the simulator does not need.
func writeISStores(version, dir string) error {
	keys, err := isKeys(version)
	if err != nil {
		return err
	}
	if version == "7.0.0" {
		if err := writeJKSKeys(filepath.Join(dir, "wso2carbon.jks"), keys); err != nil {
			return err
		}
		return writeJKSTrust(filepath.Join(dir, "client-truststore.jks"), keys[0])
	}
	if err := writePKCS12Key(filepath.Join(dir, "wso2carbon.p12"), keys[0]); err != nil {
		return err
	}
	return writePKCS12Trust(filepath.Join(dir, "client-truststore.p12"), keys[0])
}

// writeAPIMStores writes API-M's wso2carbon.jks and client-truststore.jks (api-manager-4.md §1: JKS
// through 4.7).
func writeAPIMStores(dir string) error {
	kp, err := apimKey()
	if err != nil {
		return err
	}
	if err := writeJKSKeys(filepath.Join(dir, "wso2carbon.jks"), []keyPair{kp}); err != nil {
		return err
	}
	return writeJKSTrust(filepath.Join(dir, "client-truststore.jks"), kp)
}

func writeJKSKeys(path string, keys []keyPair) error {
	ks := keystore.New()
	for _, kp := range keys {
		pkcs8, err := x509.MarshalPKCS8PrivateKey(kp.key) // keystore-go wants PKCS#8
		if err != nil {
			return fmt.Errorf("%s: marshal key %s: %w", filepath.Base(path), kp.alias, err)
		}
		entry := keystore.PrivateKeyEntry{
			CreationTime:     kp.cert.NotBefore,
			PrivateKey:       pkcs8,
			CertificateChain: []keystore.Certificate{{Type: "X.509", Content: kp.cert.Raw}},
		}
		if err := ks.SetPrivateKeyEntry(kp.alias, entry, []byte(storePassword)); err != nil {
			return fmt.Errorf("%s: set %s: %w", filepath.Base(path), kp.alias, err)
		}
	}
	return storeJKS(path, ks)
}

func writeJKSTrust(path string, kp keyPair) error {
	ks := keystore.New()
	err := ks.SetTrustedCertificateEntry(kp.alias, keystore.TrustedCertificateEntry{
		CreationTime: kp.cert.NotBefore,
		Certificate:  keystore.Certificate{Type: "X.509", Content: kp.cert.Raw},
	})
	if err != nil {
		return fmt.Errorf("%s: set %s: %w", filepath.Base(path), kp.alias, err)
	}
	return storeJKS(path, ks)
}

func storeJKS(path string, ks keystore.KeyStore) error {
	var buf bytes.Buffer
	if err := ks.Store(&buf, []byte(storePassword)); err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	return writeFile(path, buf.Bytes())
}

// writePKCS12Key uses the Modern (AES-256/HMAC-SHA-256) encoder that Java 11+ reads; never Modern2026,
// which the JDKs of the images cannot open (go-libraries.md §6). go-pkcs12 writes no friendlyName for
// the key, which a JVM would list as alias "1"; the key bag is given the alias (wso2carbon) as keytool
// writes it (identity-server-7.md §2: one PrivateKeyEntry alias wso2carbon), and the MAC recomputed.
func writePKCS12Key(path string, kp keyPair) error {
	der, err := pkcs12.Modern.Encode(kp.key, kp.cert, nil, storePassword)
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	if der, err = home.SetPKCS12KeyAlias(der, storePassword, kp.alias); err != nil {
		return fmt.Errorf("name the key of %s: %w", filepath.Base(path), err)
	}
	return writeFile(path, der)
}

func writePKCS12Trust(path string, kp keyPair) error {
	der, err := pkcs12.Modern.EncodeTrustStoreEntries([]pkcs12.TrustStoreEntry{{Cert: kp.cert, FriendlyName: kp.alias}}, storePassword)
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	return writeFile(path, der)
}

func writeFile(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}
