package defaulthome

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"
)

// keyPair is one generated private-key entry.
type keyPair struct {
	alias string
	key   *rsa.PrivateKey
	cert  *x509.Certificate
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err) // constant dates only
	}
	return t
}

// selfSigned makes an RSA-2048, SHA256withRSA self-signed certificate with SAN DNS:localhost, like the
// keytool-made default certificates of the products.
func selfSigned(alias string, subject pkix.Name, notBefore, notAfter time.Time) (keyPair, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return keyPair{}, fmt.Errorf("generate key %s: %w", alias, err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return keyPair{}, fmt.Errorf("serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:       serial,
		Subject:            subject,
		Issuer:             subject,
		NotBefore:          notBefore,
		NotAfter:           notAfter,
		DNSNames:           []string{"localhost"},
		SignatureAlgorithm: x509.SHA256WithRSA,
		KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return keyPair{}, fmt.Errorf("certificate %s: %w", alias, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return keyPair{}, fmt.Errorf("certificate %s: %w", alias, err)
	}
	return keyPair{alias: alias, key: key, cert: cert}, nil
}

// IS default certificates (identity-server-7.md §2).
var isSubject = pkix.Name{
	CommonName: "localhost", OrganizationalUnit: []string{"WSO2"}, Organization: []string{"WSO2"},
	Locality: []string{"Santa Clara"}, Province: []string{"CA"}, Country: []string{"US"},
}

// isKeys returns the private-key entries of the IS primary key store of version: 7.0.0 ships two
// (wso2carbon, newkey), 7.1.0 and 7.2.0 one.
// UNCONFIRMED (identity-server-7.md §2 has no 7.3.0 key entries or validity): chose 7.2.0's single
// wso2carbon entry and its 2025-01-08 → 2026-01-08 validity for 7.3.0.
func isKeys(version string) ([]keyPair, error) {
	if version == "7.0.0" {
		main, err := selfSigned("wso2carbon", isSubject, day("2023-12-06"), day("2025-01-07"))
		if err != nil {
			return nil, err
		}
		newkey, err := selfSigned("newkey", pkix.Name{
			CommonName: "localhost", OrganizationalUnit: []string{"IT"}, Organization: []string{"/en/next"},
		}, day("2024-02-12"), day("2024-05-12"))
		if err != nil {
			return nil, err
		}
		return []keyPair{main, newkey}, nil
	}
	main, err := selfSigned("wso2carbon", isSubject, day("2025-01-08"), day("2026-01-08"))
	if err != nil {
		return nil, err
	}
	return []keyPair{main}, nil
}

// apimKey is API-M's wso2carbon key (api-manager-4.md §1 / go-libraries.md §5 DN).
// UNCONFIRMED (api-manager-4.md §1): the validity of API-M's shipped certificate is not documented;
// chose 2023-06-01 → 2025-06-01 so that it is expired, like every other shipped default certificate.
func apimKey() (keyPair, error) {
	return selfSigned("wso2carbon", pkix.Name{
		CommonName: "localhost", Organization: []string{"WSO2"}, Locality: []string{"Mountain View"},
		Province: []string{"CA"}, Country: []string{"US"},
	}, day("2023-06-01"), day("2025-06-01"))
}
