// Package trust mints a per-run certificate authority and server certificates
// and writes them as Java key and trust stores (JKS or PKCS12) for WSO2
// Identity Server and API Manager.
//
// The official images ship default certificates that have expired, so every
// harness run creates its own CA and leaf certificates instead of relying on
// them.
package trust

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// rsaBits is fixed at 2048: it is what WSO2's own keystores use and what
// every JDK the images ship (11/17/21) accepts without policy changes.
const rsaBits = 2048

// clockSkew back-dates NotBefore so that a container whose clock is slightly
// behind the host still accepts a certificate minted a moment ago.
const clockSkew = 5 * time.Minute

// CA is a per-run certificate authority.
type CA struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
}

// Leaf is a server certificate issued by a CA. Chain is leaf first, then the
// CA, which is the order Java expects in a PrivateKeyEntry.
type Leaf struct {
	Cert  *x509.Certificate
	Key   *rsa.PrivateKey
	Chain []*x509.Certificate
}

// NewCA creates a self-signed RSA-2048 CA valid from now (minus a small clock
// skew allowance) for validity.
func NewCA(commonName string, now time.Time, validity time.Duration) (*CA, error) {
	if commonName == "" {
		return nil, errors.New("trust: new CA: common name is empty")
	}
	if validity <= 0 {
		return nil, fmt.Errorf("trust: new CA %q: validity must be positive, got %v", commonName, validity)
	}
	key, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return nil, fmt.Errorf("trust: new CA %q: generate key: %w", commonName, err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, fmt.Errorf("trust: new CA %q: %w", commonName, err)
	}
	tpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"kmconform"}},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		// The CA only ever signs leaves; forbidding intermediates keeps a
		// leaked run key from minting sub-CAs.
		MaxPathLen:     0,
		MaxPathLenZero: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("trust: new CA %q: sign certificate: %w", commonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("trust: new CA %q: parse certificate: %w", commonName, err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// IssueServer issues an RSA-2048 leaf for the given names. It carries both
// serverAuth and clientAuth because WSO2 servers present the same keystore
// entry for inbound TLS and for outbound mutual TLS.
func (ca *CA) IssueServer(commonName string, dnsNames []string, ips []net.IP, now time.Time, validity time.Duration) (*Leaf, error) {
	if ca == nil || ca.Cert == nil || ca.Key == nil {
		return nil, errors.New("trust: issue server certificate: CA is not initialised (use NewCA)")
	}
	if commonName == "" {
		return nil, errors.New("trust: issue server certificate: common name is empty")
	}
	// Java and Go verify hostnames against SANs only; a leaf without any
	// would be useless for TLS.
	if len(dnsNames) == 0 && len(ips) == 0 {
		return nil, fmt.Errorf("trust: issue server certificate %q: need at least one DNS name or IP address", commonName)
	}
	if validity <= 0 {
		return nil, fmt.Errorf("trust: issue server certificate %q: validity must be positive, got %v", commonName, validity)
	}
	notAfter := now.Add(validity)
	if notAfter.After(ca.Cert.NotAfter) {
		return nil, fmt.Errorf("trust: issue server certificate %q: it would expire at %s, after its CA (%s); shorten the validity or mint a longer-lived CA",
			commonName, notAfter.UTC().Format(time.RFC3339), ca.Cert.NotAfter.UTC().Format(time.RFC3339))
	}
	key, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return nil, fmt.Errorf("trust: issue server certificate %q: generate key: %w", commonName, err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, fmt.Errorf("trust: issue server certificate %q: %w", commonName, err)
	}
	tpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"kmconform"}},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		DNSNames:              append([]string(nil), dnsNames...),
		IPAddresses:           append([]net.IP(nil), ips...),
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("trust: issue server certificate %q: sign: %w", commonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("trust: issue server certificate %q: parse: %w", commonName, err)
	}
	return &Leaf{Cert: cert, Key: key, Chain: []*x509.Certificate{cert, ca.Cert}}, nil
}

// CertPEM returns the CA certificate PEM-encoded, e.g. for a Go client's
// root pool or for keytool -importcert inside a container.
func (ca *CA) CertPEM() []byte {
	if ca == nil || ca.Cert == nil {
		return nil
	}
	var buf bytes.Buffer
	// pem.Encode only fails on writer errors, which bytes.Buffer never returns.
	_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
	return buf.Bytes()
}

func randomSerial() (*big.Int, error) {
	// 128 random bits: unique per run without keeping any serial state.
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("generate serial number: %w", err)
	}
	return serial.Add(serial, big.NewInt(1)), nil // never zero
}
