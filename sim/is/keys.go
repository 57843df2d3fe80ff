package is

import (
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/kmconform/kmconform/sim/home"
)

// signingKey is one private-key entry of the primary key store.
type signingKey struct {
	alias string
	key   crypto.Signer
	chain []*x509.Certificate
	kid   string
}

// keyID is IS's default key id (identity-server-7.md §4, OAUTH DefaultKeyIDProviderImpl):
// base64url-no-pad of the lower-case hex SHA-256 of the certificate DER, plus "_RS256".
func keyID(cert *x509.Certificate) string { return hexThumb256(cert) + "_RS256" }

// hexThumb256 is base64url-no-pad(lowercase-hex(SHA-256(DER))): IS 7.0.0's x5t header (§4).
func hexThumb256(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString([]byte(hex.EncodeToString(sum[:])))
}

// thumbSHA1 is base64url-no-pad of the raw SHA-1 digest: the x5t header of 7.1.0+ (§4,
// getThumbPrintWithPrevAlgorithm(cert, false) — not hexified).
func thumbSHA1(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// thumbSHA256 is the RFC 7517 x5t#S256 of a JWKS entry (base64url of the raw digest).
// UNCONFIRMED (identity-server-7.md §4): whether 7.0.0 hexifies x5t#S256; chose the raw digest for all.
func thumbSHA256(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// loadPrimary returns every private-key entry of [keystore.primary], the configured alias first (it
// signs tokens), the others sorted by alias (they are only published in the JWKS, §4).
func loadPrimary(h *home.Home, p *profile) ([]signingKey, error) {
	spec := h.KeyStoreSpec("primary", p.keyStore)
	entries, err := h.LoadKeyStore(spec)
	if err != nil {
		return nil, fmt.Errorf("primary key store: %w", err)
	}
	rest := entries[1:]
	sort.Slice(rest, func(i, j int) bool { return rest[i].Alias < rest[j].Alias })
	var keys []signingKey
	for _, e := range entries {
		if len(e.Chain) == 0 {
			return nil, fmt.Errorf("primary key store %s: alias %s has no certificate", spec.File, e.Alias)
		}
		keys = append(keys, signingKey{alias: e.Alias, key: e.Key, chain: e.Chain, kid: keyID(e.Chain[0])})
	}
	return keys, nil
}

// loadTLS returns the HTTPS certificate: [keystore.tls], falling back to the primary key store (§2).
func loadTLS(h *home.Home, p *profile) (tls.Certificate, error) {
	spec := h.KeyStoreSpec("tls", p.keyStore)
	entries, err := h.LoadKeyStore(spec)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tls key store: %w", err)
	}
	e := entries[0]
	c := tls.Certificate{PrivateKey: e.Key, Leaf: e.Chain[0]}
	for _, cert := range e.Chain {
		c.Certificate = append(c.Certificate, cert.Raw)
	}
	return c, nil
}
