package assertion

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// KeyPair is a signing key and its self-signed certificate.
type KeyPair struct {
	Key     *rsa.PrivateKey
	Cert    *x509.Certificate
	CertDER []byte
	// CertPEM is what an identity provider's certificate is registered from.
	CertPEM []byte
	// KeyPEM is the PKCS#8 private key.
	KeyPEM []byte
}

// SelfSigned makes an RSA-2048 key and a self-signed certificate for commonName, valid from a minute ago
// for validFor. IS checks the certificate's validity when it verifies a jwt-bearer assertion, so an expired
// one can be made on purpose with a negative validFor.
func SelfSigned(commonName string, validFor time.Duration) (*KeyPair, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("make a signing key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("make a certificate serial: %w", err)
	}
	now := time.Now()
	notBefore, notAfter := now.Add(-time.Minute), now.Add(validFor)
	if validFor < 0 {
		notBefore = notAfter.Add(-24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("self-sign a certificate for %s: %w", commonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse the certificate for %s: %w", commonName, err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode the signing key: %w", err)
	}
	return &KeyPair{
		Key: key, Cert: cert, CertDER: der,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
	}, nil
}
