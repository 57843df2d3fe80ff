package is

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// newRogueKey is the key of fault is-sign-with-unpublished-key: a fresh RSA key with a self-signed
// certificate, kid computed as IS computes kids, absent from the primary key store and so from the JWKS.
func newRogueKey() (*signingKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("fault is-sign-with-unpublished-key: %w", err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "unpublished"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("fault is-sign-with-unpublished-key: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &signingKey{alias: "unpublished", key: key, chain: []*x509.Certificate{cert}, kid: keyID(cert)}, nil
}

// accessIssuer is the iss of an application's JWT access tokens: its organization's issuer, or for the root
// tenant the discovery issuer, or under fault is-token-iss-mismatch the tenant-qualified form
// (product-is#26522 saw the two alternate), or under is-token-iss-flips that form in every other token (the
// first one keeps the plain issuer).
func (s *server) accessIssuer(a *app) string {
	if a != nil && a.org != "" {
		return s.orgIssuer(a.org)
	}
	n := s.issued.Add(1)
	if s.faults.On("is-token-iss-mismatch") || (s.faults.On("is-token-iss-flips") && n%2 == 0) {
		return strings.TrimSuffix(s.baseURL(), "/") + "/t/carbon.super/oauth2/token"
	}
	return s.issuer()
}
