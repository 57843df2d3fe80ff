package tokens

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// The helpers below make the tokens a gateway must refuse: a genuine token with one claim changed, a
// genuine token with a damaged signature, and claims signed with a key of the harness. None of them is a
// token a check may print.

// WithClaim returns token with one claim set to value (nil removes it); the header and the signature are
// kept, so the signature no longer matches the payload.
func WithClaim(token, name string, value any) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", errors.New("change a claim: not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("change a claim: decode the payload: %w", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		return "", fmt.Errorf("change a claim: decode the payload: %w", err)
	}
	if value == nil {
		delete(claims, name)
	} else {
		claims[name] = value
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("change a claim: encode the payload: %w", err)
	}
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2], nil
}

// WithFlippedSignature returns token with one bit of its signature flipped; header and payload stay
// byte for byte, and the signature stays valid base64url of the same length.
func WithFlippedSignature(token string) (string, error) {
	i := strings.LastIndex(token, ".")
	if i < 0 || strings.Count(token, ".") != 2 {
		return "", errors.New("damage a signature: not a JWT")
	}
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil || len(sig) == 0 {
		return "", fmt.Errorf("damage a signature: decode it: %v", err)
	}
	sig[len(sig)/2] ^= 0x01
	return token[:i+1] + base64.RawURLEncoding.EncodeToString(sig), nil
}

// Sign signs claims with key (RS256). kid, when set, goes into the header with typ at+jwt, the header IS
// writes on its access tokens.
func Sign(key *rsa.PrivateKey, kid string, claims map[string]any) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(maps.Clone(claims)))
	t.Header["typ"] = "at+jwt"
	if kid != "" {
		t.Header["kid"] = kid
	}
	s, err := t.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign a JWT with the harness key: %w", err)
	}
	return s, nil
}
