// Package assertion builds the signed assertions IS's assertion grants take: a JWT for jwt-bearer (RFC 7523)
// and token exchange (RFC 8693), a SAML 2.0 assertion for saml2-bearer (RFC 7522), and the self-signed key
// and certificate to register as the issuing identity provider's certificate.
package assertion

import (
	"crypto/rsa"
	"fmt"
	"maps"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// JWTClaims are the claims of a bearer JWT. IS requires iss, sub, exp and aud, finds the identity provider
// by iss and wants one aud equal to that IdP's alias.
type JWTClaims struct {
	Issuer   string
	Subject  string
	Audience []string
	// IssuedAt defaults to now, NotBefore to IssuedAt, ExpiresAt to IssuedAt + 5 minutes.
	IssuedAt, NotBefore, ExpiresAt time.Time
	// ID (jti) defaults to a random UUID; IS refuses a replayed jti.
	ID string
	// Extra claims are merged last; a nil value removes a claim (e.g. "exp" to assert IS's refusal of a
	// JWT without one).
	Extra map[string]any
	// KeyID, when set, goes into the header's kid.
	KeyID string
}

// JWTBearer signs the claims with RS256.
func JWTBearer(key *rsa.PrivateKey, c JWTClaims) (string, error) {
	if key == nil {
		return "", fmt.Errorf("sign a bearer JWT: no key")
	}
	iat := c.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	nbf, exp := c.NotBefore, c.ExpiresAt
	if nbf.IsZero() {
		nbf = iat
	}
	if exp.IsZero() {
		exp = iat.Add(5 * time.Minute)
	}
	jti := c.ID
	if jti == "" {
		jti = uuid.NewString()
	}
	claims := jwt.MapClaims{
		"iss": c.Issuer, "sub": c.Subject, "iat": iat.Unix(), "nbf": nbf.Unix(), "exp": exp.Unix(), "jti": jti,
	}
	// A single audience goes as a string, the form IS's own samples use.
	switch len(c.Audience) {
	case 0:
	case 1:
		claims["aud"] = c.Audience[0]
	default:
		claims["aud"] = append([]string(nil), c.Audience...)
	}
	maps.Copy(claims, c.Extra)
	for k, v := range claims {
		if v == nil {
			delete(claims, k)
		}
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	if c.KeyID != "" {
		t.Header["kid"] = c.KeyID
	}
	s, err := t.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign a bearer JWT: %w", err)
	}
	return s, nil
}
