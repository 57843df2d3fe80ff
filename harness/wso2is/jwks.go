package wso2is

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// JWK is one key of IS's JWKS: IS publishes one RSA signing key per private-key entry of its primary
// keystore, kid = base64url(hex(SHA-256(cert))) + "_RS256".
type JWK struct {
	Kid     string   `json:"kid"`
	Kty     string   `json:"kty"`
	Alg     string   `json:"alg"`
	Use     string   `json:"use"`
	X5c     []string `json:"x5c"`
	X5t     string   `json:"x5t"`
	X5tS256 string   `json:"x5t#S256"`
	N       string   `json:"n"`
	E       string   `json:"e"`
}

// Certificate parses the first certificate of x5c.
func (k JWK) Certificate() (*x509.Certificate, error) {
	if len(k.X5c) == 0 {
		return nil, fmt.Errorf("JWK %s has no x5c", k.Kid)
	}
	der, err := base64.StdEncoding.DecodeString(k.X5c[0])
	if err != nil {
		return nil, fmt.Errorf("JWK %s: x5c[0] is not base64: %w", k.Kid, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("JWK %s: x5c[0]: %w", k.Kid, err)
	}
	return cert, nil
}

// KeySet is a JWKS document.
type KeySet struct {
	Keys []JWK `json:"keys"`
	// Body is the document as IS sent it.
	Body []byte `json:"-"`
}

// Key finds a key by kid.
func (s *KeySet) Key(kid string) (JWK, bool) {
	for _, k := range s.Keys {
		if k.Kid == kid {
			return k, true
		}
	}
	return JWK{}, false
}

// JWKS reads the key set at uri (discovery's jwks_uri, /oauth2/jwks); IS serves it without credentials.
func (c *Client) JWKS(ctx context.Context, uri string) (*KeySet, error) {
	var s KeySet
	resp, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{Op: "read IS's JWKS", Method: http.MethodGet, URL: uri}, &s, http.StatusOK)
	if err != nil {
		return nil, err
	}
	if len(s.Keys) == 0 {
		return nil, fmt.Errorf("read IS's JWKS (%s): the set has no keys", uri)
	}
	s.Body = resp.Body
	return &s, nil
}
